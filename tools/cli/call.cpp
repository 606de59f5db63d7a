// `mesoshttp call`: one scheduler Call from JSON, its HTTP answer printed.
// Every call but SUBSCRIBE needs the stream id of a subscription, so the
// command subscribes first (failing over to --framework-id when given).
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <iterator>

#include "../sim_options.hpp"
#include "common.hpp"
#include "mesoshttp/codec.hpp"

namespace mesoshttp::cli {
namespace {

namespace asio = boost::asio;
using mesos::v1::scheduler::Call;

struct call_options {
  connection_options connection;
  std::string framework_id;
  double failover_timeout = 0;
  std::string json = "-";
};

}  // namespace

command add_call(CLI::App& app) {
  auto o = std::make_shared<call_options>();
  auto* sub =
      app.add_subcommand("call",
                         "Send one scheduler Call, given as JSON with proto field names (on the command line, or "
                         "on stdin for '-' or nothing), and print the HTTP status and body. The call needs a "
                         "subscription, so this subscribes first: as a new framework, or with --framework-id as "
                         "that framework (a failover: the framework's current scheduler is disconnected by the "
                         "master). It exits without tearing the framework down, unless the call is TEARDOWN.\n"
                         "Example: mesoshttp call --master http://127.0.0.1:5050 '{\"type\":\"REVIVE\"}'");
  add_connection_options(*sub, o->connection);
  sub->add_option("--framework-id", o->framework_id, "Subscribe as this existing framework");
  sub->add_option("--failover-timeout", o->failover_timeout,
                  "Seconds the master keeps the framework after this command exits "
                  "(0: a new framework goes away with the command)")
      ->default_val(0)
      ->check(tools::non_negative());
  sub->add_option("json", o->json, "The Call as JSON, or - for stdin")->default_val("-");
  return [o] {
    std::string text = o->json;
    if (text == "-") text.assign(std::istreambuf_iterator<char>(std::cin), {});
    Call call;
    std::string why;
    if (decode(text, encoding::json, call, &why)) {
      complain("call", "not a scheduler Call in JSON: " + why);
      return exit_usage;
    }
    if (call.type() == Call::UNKNOWN) {
      complain("call", "the Call has no (known) \"type\"");
      return exit_usage;
    }
    if (call.type() == Call::SUBSCRIBE) {
      complain("call", "SUBSCRIBE is what this command does by itself; use `mesoshttp watch`");
      return exit_usage;
    }
    std::unique_ptr<sim::cluster> sim;
    std::vector<std::string> masters = o->connection.masters;
    if (masters.empty()) {
      sim = start_embedded_sim("call");
      if (!sim) return exit_failure;
      masters = sim->urls();
    }
    auto cfg = make_client_config(o->connection, masters, "call");
    if (!cfg) return exit_usage;
    if (!o->framework_id.empty()) cfg->framework.mutable_id()->set_value(o->framework_id);
    cfg->framework.set_failover_timeout(o->failover_timeout);

    asio::io_context io;
    int code = exit_failure;
    scheduler_client client(io.get_executor(), std::move(*cfg));
    bool sent = false;
    auto sub_events = client.on_event([&](const client_event& item) {
      if (item.type == client_event::kind::subscribed && !sent) {
        sent = true;
        std::cerr << "mesoshttp call: subscribed to " << item.master << " as framework " << item.framework_id
                  << std::endl;
        const bool teardown = call.type() == Call::TEARDOWN;
        // The master ends the event stream when it accepts a TEARDOWN.
        if (teardown) expect_disconnect();
        client.async_send(call, asio::bind_executor(io, [&, teardown](call_result r) {
                            if (r.status != 0) {
                              std::cout << "HTTP " << r.status << std::endl;
                              std::string body = r.body;
                              if (r.response) body = to_json_line(*r.response);
                              if (!body.empty()) std::cout << body << std::endl;
                              code = r.status / 100 == 2 ? 0 : exit_failure;
                            } else if (teardown && r.error == error::connection_lost) {
                              // The client fails calls in flight when the event stream ends,
                              // and the master ends it as it accepts a TEARDOWN, so the 202
                              // itself is lost. The stream's end is the master's answer.
                              std::cout << "TEARDOWN accepted: the master closed the framework's event stream "
                                           "(its HTTP answer was not received)"
                                        << std::endl;
                              code = 0;
                            } else {
                              complain("call", r.message.empty() ? r.error.message() : r.message);
                            }
                            // TEARDOWN already removed the framework; anything else leaves it
                            // to its failover timeout.
                            expect_disconnect();
                            client.shutdown();
                          }));
      } else if (item.type == client_event::kind::closed && item.error && !sent) {
        complain("call", "cannot subscribe: " + describe(item));
      } else if (item.type == client_event::kind::disconnected && !disconnect_expected()) {
        complain("call", describe(item));
      }
    });
    client.start();
    io.run();
    return code;
  };
}

}  // namespace mesoshttp::cli
