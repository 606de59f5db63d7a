// `mesoshttp watch`: subscribes and prints every event, for eyes or for jq.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <iostream>

#include "../sim_options.hpp"
#include "common.hpp"
#include "mesoshttp/calls.hpp"
#include "mesoshttp/codec.hpp"

namespace mesoshttp::cli {
namespace {

namespace asio = boost::asio;
using mesos::v1::scheduler::Event;

struct watch_options {
  connection_options connection;
  std::string format = "text";
  std::size_t count = 0;
  bool keep_offers = false;
  double failover_timeout = 0;
  std::string metrics_address;
};

class watcher {
 public:
  watcher(asio::io_context& io, const watch_options& o, client_config cfg)
      : o_(o), client_(io.get_executor(), std::move(cfg)), signals_(io, SIGINT, SIGTERM) {}

  int exec(asio::io_context& io) {
    if (!serve_metrics(o_.metrics_address, client_, io.get_executor(), "watch", metrics_)) return exit_failure;
    sub_ = client_.on_event([this](const client_event& item) { on_item(item); });
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      std::cerr << "mesoshttp watch: " << ::strsignal(sig) << "; tearing down" << std::endl;
      stop(0);
    });
    client_.start();
    io.run();
    return code_;
  }

 private:
  void on_item(const client_event& item) {
    if (item.type == client_event::kind::closed) {
      // Our own teardown closes without an error; anything else is a failure.
      if (item.error && !stopping_) {
        std::cerr << "mesoshttp watch: " << describe(item) << std::endl;
        code_ = exit_failure;
      }
      boost::system::error_code ignored;
      signals_.cancel(ignored);
      if (metrics_) metrics_->stop();
      sub_.detach();
      return;
    }
    if (item.type != client_event::kind::event) {
      if (stopping_) return;
      std::cerr << "mesoshttp watch: " << describe(item) << std::endl;
      return;
    }
    if (stopping_) return;
    const Event& event = *item.event;
    if (o_.format == "json") {
      std::cout << to_json_line(event) << std::endl;
    } else {
      std::cout << describe(event) << std::endl;
    }
    // Held offers are resources no other framework can use; a watcher has no
    // use for them, so it gives them back (after printing them).
    if (event.type() == Event::OFFERS && !o_.keep_offers) {
      std::vector<mesos::v1::OfferID> ids;
      for (const auto& offer : event.offers().offers()) ids.push_back(offer.id());
      client_.send(calls::decline(std::move(ids)));
    }
    if (o_.count != 0 && ++seen_ >= o_.count) stop(0);
  }

  void stop(int code) {
    if (stopping_) return;
    stopping_ = true;
    code_ = code;
    expect_disconnect();
    client_.teardown();
  }

  const watch_options& o_;
  scheduler_client client_;
  event_subscription sub_;
  asio::signal_set signals_;
  std::unique_ptr<metrics_server> metrics_;
  std::size_t seen_ = 0;
  bool stopping_ = false;
  int code_ = 0;
};

}  // namespace

command add_watch(CLI::App& app) {
  auto o = std::make_shared<watch_options>();
  auto* sub =
      app.add_subcommand("watch",
                         "Subscribe as a framework and print every event: one JSON object a line (--format json, "
                         "proto field names, for jq) or one readable line per event. Connection changes go to "
                         "stderr. Offers are declined after printing unless --keep-offers. Runs until Ctrl-C or "
                         "--count events, then tears the framework down.");
  add_connection_options(*sub, o->connection);
  sub->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"json", "text"}))->default_val("text");
  sub->add_option("--count", o->count, "Exit after this many events; 0 = until Ctrl-C")
      ->default_val(0)
      ->check(tools::non_negative());
  sub->add_flag("--keep-offers", o->keep_offers, "Hold offers instead of declining them");
  sub->add_option("--failover-timeout", o->failover_timeout,
                  "Seconds the master keeps the framework while this command is disconnected "
                  "(0: it is removed as soon as its connection is lost)")
      ->default_val(0)
      ->check(tools::non_negative());
  add_metrics_option(*sub, o->metrics_address);
  return [o] {
    std::unique_ptr<sim::cluster> sim;
    std::vector<std::string> masters = o->connection.masters;
    if (masters.empty()) {
      sim = start_embedded_sim("watch");
      if (!sim) return exit_failure;
      masters = sim->urls();
      std::cerr << "mesoshttp watch: no --master given; watching a simulated master at " << masters.front()
                << std::endl;
    }
    auto cfg = make_client_config(o->connection, masters, "watch");
    if (!cfg) return exit_usage;
    cfg->framework.set_failover_timeout(o->failover_timeout);
    asio::io_context io;
    watcher w(io, *o, std::move(*cfg));
    return w.exec(io);
  };
}

}  // namespace mesoshttp::cli
