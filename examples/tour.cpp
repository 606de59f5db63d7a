// The README's API tour, compiled and run by ctest so the README cannot rot:
// the region between the [tour] markers is the README's snippet, character
// for character (ctest checks that too).
//
//   tour [master-url]     (without one: an in-process simulated master)
#include <boost/asio/use_future.hpp>

#include <iostream>
#include <memory>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace calls = mesoshttp::calls;
using mesos::v1::scheduler::Event;

int main(int argc, char** argv) {
  std::unique_ptr<mesoshttp::sim::cluster> sim;
  std::string master = argc > 1 ? argv[1] : "";
  if (master.empty()) {
    sim = std::make_unique<mesoshttp::sim::cluster>();
    sim->start();
    master = sim->url(0);
  }
  bool finished = false;

  // [tour]
  mesoshttp::client_config cfg;
  cfg.masters = {master};            // any master: non-leaders answer 307, followed
  cfg.framework.set_user("nobody");  // who the tasks run as
  cfg.framework.set_name("tour");
  mesoshttp::scheduler_client client(cfg);  // runs on a thread of its own

  auto events = client.events();  // a pulling consumer; attached before start(), it sees everything
  client.start();

  bool launched = false;
  while (auto item = events.next(std::chrono::seconds(30))) {
    if (item->type != mesoshttp::client_event::kind::event) {
      // Connection changes arrive in order with the events: connecting,
      // subscribed, disconnected (the client resubscribes by itself), closed.
      std::cout << "connection: " << item->master << " " << item->message << "\n";
      continue;
    }
    const Event& event = *item->event;
    if (event.type() == Event::OFFERS) {
      for (const auto& offer : event.offers().offers()) {
        auto task = calls::task_from_offer(offer, "tour", "echo hello from the tour", 0.1, 32);
        if (launched || !task) {
          client.send(calls::decline({offer.id()}));  // fire and forget; failures are logged
          continue;
        }
        launched = true;
        // Any Asio completion token works: a callback, use_awaitable, or a future.
        auto answer =
            client.async_send(calls::accept({offer.id()}, {calls::ops::launch({*task})}), boost::asio::use_future)
                .get();
        std::cout << "ACCEPT answered " << answer.status << "\n";  // 202
      }
    } else if (event.type() == Event::UPDATE) {
      const auto& status = event.update().status();
      std::cout << mesos::v1::TaskState_Name(status.state()) << "\n";
      // Until acknowledged, the agent keeps resending the update.
      if (status.has_uuid()) client.send(calls::acknowledge(status));
      if (status.state() == mesos::v1::TASK_FINISHED) {
        finished = true;
        client.teardown();  // the framework is done: the master forgets it
      }
    }
  }
  // [/tour]
  return finished ? 0 : 1;
}
