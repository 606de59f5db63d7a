// The smallest useful framework: launch N shell tasks, acknowledge their
// updates, tear down when all have finished. Callbacks only.
//
//   minimal_framework [master-url] [tasks]
//
// Without a URL it starts a simulated cluster in this process, so it runs
// anywhere (that is how ctest runs it).
#include <future>
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
  const int wanted = argc > 2 ? std::stoi(argv[2]) : 3;
  if (master.empty()) {
    sim = std::make_unique<mesoshttp::sim::cluster>();
    sim->start();
    master = sim->url(0);
  }

  mesoshttp::client_config cfg;
  cfg.masters = {master};
  cfg.framework.set_user("nobody");  // the user tasks run as on the agents
  cfg.framework.set_name("minimal_framework");
  mesoshttp::scheduler_client client(cfg);

  // Only the client's thread touches these: callbacks run one at a time, in order.
  int launched = 0, finished = 0, failed = 0;
  std::promise<void> done;

  auto subscription = client.on_event([&](const mesoshttp::client_event& item) {
    if (item.type == mesoshttp::client_event::kind::closed) {
      if (item.error) std::cerr << "client closed: " << item.message << "\n";
      done.set_value();
      return;
    }
    if (item.type != mesoshttp::client_event::kind::event) return;
    const Event& event = *item.event;

    if (event.type() == Event::OFFERS) {
      for (const auto& offer : event.offers().offers()) {
        // One task per offer keeps this short; what it leaves unused is
        // offered again at the next allocation (filter of 0 s).
        auto task = launched < wanted
                        ? calls::task_from_offer(offer, "hello-" + std::to_string(launched),
                                                 "echo hello from task " + std::to_string(launched), 0.1, 32)
                        : std::nullopt;
        if (task) {
          ++launched;
          client.send(calls::accept({offer.id()}, {calls::ops::launch({*task})}, calls::filters(0)));
        } else {
          // A long filter keeps the master from offering what we will never use.
          client.send(calls::decline({offer.id()}, calls::filters(launched < wanted ? 1 : 3600)));
        }
      }
    } else if (event.type() == Event::UPDATE) {
      const auto& status = event.update().status();
      std::cout << status.task_id().value() << " " << mesos::v1::TaskState_Name(status.state()) << "\n";
      // Until acknowledged, the agent resends the update and keeps the task's state.
      if (status.has_uuid()) client.send(calls::acknowledge(status));
      if (status.state() == mesos::v1::TASK_FINISHED)
        ++finished;
      else if (status.state() == mesos::v1::TASK_FAILED || status.state() == mesos::v1::TASK_LOST ||
               status.state() == mesos::v1::TASK_ERROR || status.state() == mesos::v1::TASK_KILLED)
        ++failed;
      if (finished + failed == wanted) client.teardown();  // kills nothing: all are done
    }
  });

  client.start();
  done.get_future().wait();
  std::cout << finished << " of " << wanted << " tasks finished\n";
  return finished == wanted ? 0 : 1;
}
