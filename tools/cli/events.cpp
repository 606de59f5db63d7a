// `mesoshttp events`: subscribes to a master's operator event stream
// (operator_api::event_client) and prints every event, for eyes or for jq.
// The stream survives leader changes and cut connections: the client
// subscribes again and the next SUBSCRIBED carries the whole state again.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstring>
#include <iostream>
#include <sstream>

#include "../sim_options.hpp"
#include "common.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/operator/event_client.hpp"
#if defined(MESOSHTTP_HAS_ZOOKEEPER)
#include "mesoshttp/zk/master_detector.hpp"
#endif

namespace mesoshttp::cli {
namespace {

namespace asio = boost::asio;
namespace op = operator_api;
using mesos::v1::master::Event;

struct events_options {
  connection_options connection;
  std::string wire = "protobuf";
  std::string format = "text";
  std::size_t count = 0;
};

// One readable line per event: what changed, by its ids.
std::string describe(const Event& e) {
  std::ostringstream out;
  out << Event::Type_Name(e.type());
  switch (e.type()) {
    case Event::SUBSCRIBED: {
      const auto& s = e.subscribed().get_state();
      out << ": " << s.get_agents().agents_size() << " agents, " << s.get_frameworks().frameworks_size()
          << " frameworks (" << s.get_frameworks().completed_frameworks_size() << " completed), "
          << s.get_tasks().tasks_size() << " tasks (" << s.get_tasks().completed_tasks_size()
          << " completed); heartbeat every " << e.subscribed().heartbeat_interval_seconds() << " s";
      break;
    }
    case Event::TASK_ADDED: {
      const auto& t = e.task_added().task();
      out << " " << t.task_id().value() << " (" << t.name() << ") of framework " << t.framework_id().value()
          << " on agent " << t.agent_id().value() << ": " << mesos::v1::TaskState_Name(t.state());
      break;
    }
    case Event::TASK_UPDATED: {
      const auto& u = e.task_updated();
      out << " " << u.status().task_id().value() << " of framework " << u.framework_id().value() << ": "
          << mesos::v1::TaskState_Name(u.state());
      if (!u.status().message().empty()) out << " (" << u.status().message() << ")";
      break;
    }
    case Event::AGENT_ADDED:
      out << " " << e.agent_added().agent().agent_info().id().value() << " ("
          << e.agent_added().agent().agent_info().hostname() << ")";
      break;
    case Event::AGENT_REMOVED: out << " " << e.agent_removed().agent_id().value(); break;
    case Event::FRAMEWORK_ADDED:
    case Event::FRAMEWORK_UPDATED: {
      const auto& f =
          e.type() == Event::FRAMEWORK_ADDED ? e.framework_added().framework() : e.framework_updated().framework();
      out << " " << f.framework_info().id().value() << " (" << f.framework_info().name() << ")"
          << (f.active() ? "" : " inactive");
      break;
    }
    case Event::FRAMEWORK_REMOVED:
      out << " " << e.framework_removed().framework_info().id().value() << " ("
          << e.framework_removed().framework_info().name() << ")";
      break;
    default: break;
  }
  return out.str();
}

class printer {
 public:
  printer(asio::io_context& io, const events_options& o, op::event_client_config cfg)
      : o_(o), client_(io.get_executor(), std::move(cfg)), signals_(io, SIGINT, SIGTERM) {}

  int exec(asio::io_context& io) {
    sub_ = client_.on_event([this](const op::stream_item& item) { on_item(item); });
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      std::cerr << "mesoshttp events: " << ::strsignal(sig) << "; closing the stream" << std::endl;
      client_.shutdown();
    });
    client_.start();
    io.run();
    return code_;
  }

 private:
  void on_item(const op::stream_item& item) {
    using kind = op::stream_item::kind;
    switch (item.type) {
      case kind::connecting: std::cerr << "mesoshttp events: subscribing at " << item.master << std::endl; return;
      case kind::subscribed: std::cerr << "mesoshttp events: subscribed at " << item.master << std::endl; return;
      case kind::disconnected:
        std::cerr << "mesoshttp events: stream lost (" << item.message << "); subscribing again" << std::endl;
        return;
      case kind::closed: {
        if (item.error) {
          std::cerr << "mesoshttp events: " << item.message << std::endl;
          code_ = exit_failure;
        }
        boost::system::error_code ignored;
        signals_.cancel(ignored);
        sub_.detach();
        return;
      }
      case kind::event: break;
    }
    if (done_) return;
    std::cout << (o_.format == "json" ? to_json_line(*item.event) : describe(*item.event)) << std::endl;
    if (o_.count != 0 && ++seen_ >= o_.count) {
      done_ = true;
      client_.shutdown();
    }
  }

  const events_options& o_;
  op::event_client client_;
  op::event_callback sub_;
  asio::signal_set signals_;
  std::size_t seen_ = 0;
  bool done_ = false;
  int code_ = 0;
};

}  // namespace

command add_events(CLI::App& app) {
  auto o = std::make_shared<events_options>();
  auto* sub = app.add_subcommand(
      "events",
      "Subscribe to the master's operator event stream (SUBSCRIBE on /api/v1) and print every event: one "
      "readable line each, or one JSON object a line (--format json, proto field names, for jq). SUBSCRIBED "
      "comes first with the whole cluster state, then TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, "
      "FRAMEWORK_ADDED/UPDATED/REMOVED and HEARTBEAT. Connection changes go to stderr; a lost stream is "
      "subscribed again (to the new leader). Runs until Ctrl-C or --count events.");
  sub->add_option("--master", o->connection.masters,
                  "Master URL (repeatable or comma-separated; non-leaders redirect), or zk://HOST:PORT/PATH (the "
                  "leader is followed through ZooKeeper). Default: start a simulated master in this process")
      ->delimiter(',')
      ->allow_extra_args(false);
  sub->add_option("--encoding", o->wire, "Wire encoding of the stream")
      ->check(CLI::IsMember({"protobuf", "json"}))
      ->default_val("protobuf");
  sub->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"json", "text"}))->default_val("text");
  sub->add_option("--count", o->count, "Exit after this many events; 0 = until Ctrl-C")
      ->default_val(0)
      ->check(tools::non_negative());
  add_security_options(*sub, o->connection);
  return [o] {
    std::unique_ptr<sim::cluster> sim;
    std::vector<std::string> masters = o->connection.masters;
    if (masters.empty()) {
      sim = start_embedded_sim("events");
      if (!sim) return exit_failure;
      masters = sim->urls();
      std::cerr << "mesoshttp events: no --master given; watching a simulated master at " << masters.front()
                << std::endl;
    }
    // zk:// is followed live by a detector: a leader change moves the stream.
    auto ops = make_operator_config(o->connection, masters, "events", /*keep_zk=*/true);
    if (!ops) return exit_usage;
    op::event_client_config cfg;
    cfg.masters = ops->endpoints;
#if defined(MESOSHTTP_HAS_ZOOKEEPER)
    if (cfg.masters.size() == 1 && cfg.masters.front().rfind("zk://", 0) == 0) {
      zk::detector_config zk_config;
      zk_config.url = cfg.masters.front();
      zk_config.logger = ops->log;
      cfg.detector = zk::make_master_detector(std::move(zk_config));
      cfg.masters.clear();
    }
#endif
    cfg.wire = o->wire == "json" ? encoding::json : encoding::protobuf;
    cfg.tls = ops->tls;
    cfg.basic_credentials = ops->basic_credentials;
    cfg.authorization = ops->authorization;
    cfg.user_agent = "mesoshttp-events";
    asio::io_context io;
    printer p(io, *o, std::move(cfg));
    return p.exec(io);
  };
}

}  // namespace mesoshttp::cli
