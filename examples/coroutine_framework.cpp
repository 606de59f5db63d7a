// The minimal framework again, written as one C++20 coroutine on the
// caller's io_context: events are awaited (event_stream::async_next), calls
// are awaited (async_send), and the code reads top to bottom.
//
//   coroutine_framework [master-url] [tasks]
//
// Without a URL it starts a simulated cluster in this process.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <memory>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace asio = boost::asio;
namespace calls = mesoshttp::calls;
using mesos::v1::scheduler::Event;

// Plain work stays in plain functions; the coroutine only sequences it.
// (gcc 12 also rejects braced initializer lists inside coroutine bodies:
// "array used as initializer".)
std::optional<mesos::v1::TaskInfo> make_task(const mesos::v1::Offer& offer, int n) {
  return calls::task_from_offer(offer, "co-" + std::to_string(n), "echo hello from a coroutine", 0.1, 32);
}

mesos::v1::scheduler::Call launch(const mesos::v1::Offer& offer, const mesos::v1::TaskInfo& task) {
  return calls::accept({offer.id()}, {calls::ops::launch({task})}, calls::filters(0));
}

mesos::v1::scheduler::Call decline(const mesos::v1::Offer& offer, double refuse_seconds) {
  return calls::decline({offer.id()}, calls::filters(refuse_seconds));
}

void report(std::string_view what, std::string_view detail) { std::cout << what << ": " << detail << std::endl; }

// A free function rather than a capturing lambda: gcc 12 miscompiles
// captures of coroutine lambdas, so everything comes in as a parameter.
asio::awaitable<void> run_tasks(mesoshttp::scheduler_client& client, mesoshttp::event_stream& events, int wanted,
                                int& finished) {
  int launched = 0, ended = 0;
  while (ended < wanted) {
    // as_tuple: the end of the stream is an error code, not an exception.
    auto [ec, item] = co_await events.async_next(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      report("event stream ended", ec.message());
      co_return;
    }
    if (item.type != mesoshttp::client_event::kind::event) continue;
    const Event& event = *item.event;

    if (event.type() == Event::OFFERS) {
      for (const auto& offer : event.offers().offers()) {
        auto task = launched < wanted ? make_task(offer, launched) : std::nullopt;
        if (!task) {
          client.send(decline(offer, launched < wanted ? 1 : 3600));
          continue;
        }
        ++launched;
        // Awaiting the answer tells us at once if the master refused the launch.
        auto result = co_await client.async_send(launch(offer, *task), asio::use_awaitable);
        if (!result) report("ACCEPT failed", result.message);
      }
    } else if (event.type() == Event::UPDATE) {
      const auto& status = event.update().status();
      report(status.task_id().value(), mesos::v1::TaskState_Name(status.state()));
      if (status.has_uuid()) co_await client.async_send(calls::acknowledge(status), asio::use_awaitable);
      switch (status.state()) {
        case mesos::v1::TASK_FINISHED:
          ++finished;
          ++ended;
          break;
        case mesos::v1::TASK_FAILED:
        case mesos::v1::TASK_KILLED:
        case mesos::v1::TASK_LOST:
        case mesos::v1::TASK_ERROR: ++ended; break;
        default: break;
      }
    }
  }
  client.teardown();
}

int main(int argc, char** argv) {
  std::unique_ptr<mesoshttp::sim::cluster> sim;
  std::string master = argc > 1 ? argv[1] : "";
  const int wanted = argc > 2 ? std::stoi(argv[2]) : 3;
  if (master.empty()) {
    sim = std::make_unique<mesoshttp::sim::cluster>();
    sim->start();
    master = sim->url(0);
  }

  mesoshttp::client_config cfg;
  cfg.masters = {master};
  cfg.framework.set_user("nobody");
  cfg.framework.set_name("coroutine_framework");

  asio::io_context io;
  // On the caller's executor: the client does its work inside io.run() below.
  mesoshttp::scheduler_client client(io.get_executor(), cfg);
  auto events = client.events();  // attached before start(): nothing is missed
  client.start();
  int finished = 0;
  asio::co_spawn(io, run_tasks(client, events, wanted, finished), asio::detached);
  io.run();  // returns once the coroutine is done and the client has closed
  std::cout << finished << " of " << wanted << " tasks finished\n";
  return finished == wanted ? 0 : 1;
}
