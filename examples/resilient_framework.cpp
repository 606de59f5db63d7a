// A framework that survives being killed at any moment: SIGKILL it, start it
// again with the same --state-dir, and it carries on where it was. Every task
// runs exactly once.
//
//   resilient_framework --master URL --tasks N --state-dir DIR --marker-dir DIR
//                       [--task-seconds S] [--encoding protobuf|json]
//
// Each task appends one line to <marker-dir>/<task id> when it starts, then
// sleeps S seconds. The program exits 0 once all N have finished (and tears
// the framework down). Without --master it starts a simulated cluster in this
// process (how ctest runs it).
//
// What makes it survive, piece by piece from mesoshttp's toolkit:
//   - FrameworkInfo.failover_timeout: the master keeps the framework and its
//     tasks while no scheduler is connected.
//   - file_framework_id_store: the next run fails over to the same framework
//     instead of registering a new one (whose tasks nobody would know).
//   - The task file, written before each launch ("launching") and before each
//     acknowledgement ("finished"), atomically: a kill leaves the old file or
//     the new one.
//   - auto_acknowledge::after_handling: an update is acknowledged only after
//     it was handled (written down); a kill before that and the master sends
//     it again.
//   - task_tracker + reconciler: after each subscription the master is asked
//     about every task that was launching; one it never heard of (the kill
//     came between the write and the ACCEPT) is launched again; one it knows
//     is waited for.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/framework_id_store.hpp"
#include "mesoshttp/framework/reconciler.hpp"
#include "mesoshttp/framework/task_tracker.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace calls = mesoshttp::calls;
namespace fs = std::filesystem;
using mesos::v1::scheduler::Event;

namespace {

struct options {
  std::string master;
  int tasks = 4;
  fs::path state_dir;
  fs::path marker_dir;
  double task_seconds = 1;
  mesoshttp::encoding wire = mesoshttp::encoding::protobuf;
};

// Where each task is, as this framework last wrote it down. A task not in
// the file has not been launched (or was lost and waits to be launched again).
class task_file {
 public:
  enum class state { pending, launching, finished };

  task_file(fs::path file, int tasks) : file_(std::move(file)) {
    for (int i = 0; i < tasks; ++i) states_["task-" + std::to_string(i)] = state::pending;
  }

  // False with `why` naming the file when it cannot be used.
  bool load(std::string& why) {
    std::ifstream in(file_);
    if (!in) return !fs::exists(file_) || (why = "cannot read " + file_.string(), false);
    std::string line;
    if (!std::getline(in, line) || line != header) return corrupt(why, "it does not start with \"" + header + "\"");
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string id, what;
      if (!(words >> id >> what) || !states_.count(id) || (what != "launching" && what != "finished"))
        return corrupt(why, "line \"" + line + "\" names no task of this run in a known state");
      states_[id] = what == "finished" ? state::finished : state::launching;
    }
    return true;
  }

  // Writes the file; a failure stops the framework (better than launching
  // a task it would forget).
  void set(const std::string& id, state s) {
    states_[id] = s;
    std::string text = header + "\n";
    for (const auto& [task, st] : states_) {
      if (st != state::pending) text += task + (st == state::finished ? " finished\n" : " launching\n");
    }
    std::string why;
    if (mesoshttp::write_file_atomically(file_, text, why)) throw std::runtime_error(why);
  }

  state of(const std::string& id) const { return states_.at(id); }
  bool ours(const std::string& id) const { return states_.count(id) > 0; }
  std::vector<std::string> in(state s) const {
    std::vector<std::string> out;
    for (const auto& [id, st] : states_)
      if (st == s) out.push_back(id);
    return out;
  }

 private:
  bool corrupt(std::string& why, const std::string& what) {
    why = "the task file " + file_.string() + " is corrupt: " + what;
    return false;
  }
  inline static const std::string header = "mesoshttp resilient_framework tasks v1";
  fs::path file_;
  std::map<std::string, state> states_;
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string current_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : "nobody";
}

int run(const options& o) {
  using state = task_file::state;
  task_file tasks(o.state_dir / "tasks", o.tasks);
  std::string why;
  if (!tasks.load(why)) {
    std::cerr << "resilient_framework: " << why << "\n";
    return 2;
  }

  const auto all_finished = [&] { return tasks.in(state::finished).size() == static_cast<std::size_t>(o.tasks); };
  const auto id_file = o.state_dir / "framework-id";
  if (all_finished() && !fs::exists(id_file)) {
    // Killed after the teardown, before the exit: nothing left to do.
    std::cout << "all " << o.tasks << " tasks finished" << std::endl;
    return 0;
  }

  mesoshttp::client_config cfg;
  cfg.masters = {o.master};
  cfg.framework.set_user(current_user());
  cfg.framework.set_name("resilient_framework");
  cfg.framework.set_failover_timeout(3600);
  cfg.framework_id_store = std::make_shared<mesoshttp::file_framework_id_store>(id_file, "resilient_framework");
  cfg.wire_encoding = o.wire;
  mesoshttp::scheduler_client client(cfg);

  mesoshttp::task_tracker tracker;
  for (const auto& id : tasks.in(state::launching)) tracker.launching(id);
  mesoshttp::reconciler reconciler(client, tracker);
  // ACCEPTs on the wire: a reconciliation answer may not know those tasks yet.
  std::mutex accepts_mutex;
  std::set<std::string> accepting;
  std::vector<std::string> failed_accepts;  // their fate is asked again

  auto events = client.events(0, mesoshttp::auto_acknowledge::after_handling);
  client.start();
  bool tearing_down = false;
  while (true) {
    std::error_code ec;
    auto item = events.next(std::chrono::seconds(1), &ec);
    {
      std::lock_guard lock(accepts_mutex);
      if (!failed_accepts.empty()) {
        std::vector<calls::reconcile_task> ask;
        for (const auto& id : failed_accepts) ask.push_back({calls::task_id(id), std::nullopt});
        failed_accepts.clear();
        client.send(calls::reconcile(ask));
      }
    }
    if (!item) {
      if (ec == mesoshttp::error::wait_timeout) continue;
      std::cerr << "resilient_framework: the stream ended: " << ec.message() << "\n";
      return 1;
    }
    if (item->type == mesoshttp::client_event::kind::closed) {
      // A framework removed after all its tasks finished: the teardown of a
      // run killed before it could forget the id.
      const bool removed_when_done = item->error == mesoshttp::error::framework_removed && all_finished();
      if (item->error && !removed_when_done) {
        std::cerr << "resilient_framework: " << item->message << "\n";
        return 1;
      }
      std::cout << "all " << o.tasks << " tasks finished" << std::endl;
      return all_finished() ? 0 : 1;
    }
    if (item->type == mesoshttp::client_event::kind::subscribed)
      std::cout << "subscribed as " << item->framework_id << std::endl;
    if (item->type != mesoshttp::client_event::kind::event) {
      reconciler.on_event(*item);
      continue;
    }
    const Event& event = *item->event;

    if (event.type() == Event::UPDATE) {
      const auto& status = event.update().status();
      const std::string& id = status.task_id().value();
      tracker.on_update(status);
      reconciler.on_event(*item);
      if (!tasks.ours(id) || tasks.of(id) == state::finished) continue;
      if (status.state() == mesos::v1::TASK_FINISHED) {
        tasks.set(id, state::finished);  // before the acknowledgement, which asking for the next item sends
        std::cout << id << " finished" << std::endl;
      } else if (calls::is_terminal(status.state())) {
        std::lock_guard lock(accepts_mutex);
        if (accepting.count(id)) continue;  // its ACCEPT is still on the wire: wait for it
        tasks.set(id, state::pending);      // lost before it ran, or never launched: again
        std::cout << id << " " << mesos::v1::TaskState_Name(status.state()) << ": launching it again" << std::endl;
      }
    } else if (event.type() == Event::OFFERS) {
      for (const auto& offer : event.offers().offers()) {
        auto pending = tasks.in(state::pending);
        std::vector<mesos::v1::Offer::Operation> launches;
        std::vector<mesos::v1::TaskInfo> infos;
        // As many tasks as the offer holds (each takes 0.1 cpus and 16 MB).
        const double room = std::min(calls::scalar_total(offer, "cpus") / 0.1, calls::scalar_total(offer, "mem") / 16);
        for (const auto& id : pending) {
          if (static_cast<double>(infos.size()) + 1 > room + 1e-9) break;
          const std::string command =
              "echo started >> " + quoted((o.marker_dir / id).string()) + " && sleep " + std::to_string(o.task_seconds);
          auto info = calls::task_from_offer(offer, id, command, 0.1, 16, 0, id);
          if (!info) break;
          infos.push_back(*info);
        }
        if (infos.empty()) {
          mesos::v1::Filters filters;
          filters.set_refuse_seconds(pending.empty() ? 30 : 1);
          client.send(calls::decline({offer.id()}, filters));
          continue;
        }
        std::vector<std::string> ids;
        for (const auto& info : infos) {
          // Written down before the ACCEPT leaves: a kill from here on is
          // found by reconciliation.
          tasks.set(info.task_id().value(), state::launching);
          tracker.launching(info.task_id().value(), offer.agent_id().value());
          ids.push_back(info.task_id().value());
        }
        {
          std::lock_guard lock(accepts_mutex);
          accepting.insert(ids.begin(), ids.end());
        }
        // What this ACCEPT leaves unused comes back in a second, not the
        // master's default 5: a task found lost may be waiting for it.
        mesos::v1::Filters soon;
        soon.set_refuse_seconds(1);
        client.async_send(calls::accept({offer.id()}, {calls::ops::launch(infos)}, soon),
                          [&, ids](mesoshttp::call_result r) {
                            std::lock_guard lock(accepts_mutex);
                            for (const auto& id : ids) accepting.erase(id);
                            if (!r) failed_accepts.insert(failed_accepts.end(), ids.begin(), ids.end());
                          });
        for (const auto& id : ids) std::cout << "launching " << id << std::endl;
      }
    }

    if (!tearing_down && all_finished()) {
      tearing_down = true;
      events.acknowledge();  // the last update was handled: acknowledge it before the framework goes
      client.teardown();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      std::cerr << "resilient_framework: " << flag << " needs a value\n";
      return 2;
    }
    const std::string& value = args[++i];
    try {
      if (flag == "--master") {
        o.master = value;
      } else if (flag == "--tasks") {
        o.tasks = std::stoi(value);
      } else if (flag == "--state-dir") {
        o.state_dir = value;
      } else if (flag == "--marker-dir") {
        o.marker_dir = value;
      } else if (flag == "--task-seconds") {
        o.task_seconds = std::stod(value);
      } else if (flag == "--encoding") {
        if (value != "protobuf" && value != "json") throw std::invalid_argument(value);
        o.wire = value == "json" ? mesoshttp::encoding::json : mesoshttp::encoding::protobuf;
      } else {
        std::cerr << "resilient_framework: unknown option " << flag << "\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "resilient_framework: bad value for " << flag << ": " << value << "\n";
      return 2;
    }
  }
  if (o.tasks < 1) {
    std::cerr << "resilient_framework: --tasks must be at least 1\n";
    return 2;
  }

  // Without a master: a simulated cluster in this process that runs the
  // tasks as local processes, and scratch folders.
  std::unique_ptr<mesoshttp::sim::cluster> sim;
  if (o.master.empty()) {
    mesoshttp::sim::cluster_config sim_cfg;
    sim_cfg.tasks = mesoshttp::sim::task_mode::local_process;
    sim = std::make_unique<mesoshttp::sim::cluster>(sim_cfg);
    sim->start();
    o.master = sim->url(0);
    o.task_seconds = 0.1;
  }
  if (o.state_dir.empty() || o.marker_dir.empty()) {
    const auto scratch = fs::temp_directory_path() / ("resilient_framework-" + std::to_string(::getpid()));
    if (o.state_dir.empty()) o.state_dir = scratch / "state";
    if (o.marker_dir.empty()) o.marker_dir = scratch / "markers";
  }
  std::error_code ec;
  fs::create_directories(o.state_dir, ec);
  fs::create_directories(o.marker_dir, ec);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "resilient_framework: " << e.what() << "\n";
    return 1;
  }
}
