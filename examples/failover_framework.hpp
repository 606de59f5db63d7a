// A long-running framework that survives the loss of its master: the pattern
// every production scheduler needs, in one class.
//
// What makes it survive:
//   1. FrameworkInfo.failover_timeout: the master keeps the framework and its
//      tasks while we are away (with 0, a lost connection kills them all).
//   2. The same framework id on every resubscription (the client keeps it).
//   3. On every `subscribed` item: offers from before are void (the new
//      leader never made them), and implicit reconciliation asks the master
//      for the state of every task, since updates may have been lost with
//      the old connection.
#pragma once

#include <atomic>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"

namespace example {

namespace calls = mesoshttp::calls;
using mesos::v1::TaskState;
using mesos::v1::scheduler::Event;

struct failover_options {
  std::vector<std::string> masters;
  int tasks = 3;
  std::string command = "sleep 1";
  // Long enough to ride out a real master failover (ZooKeeper session expiry
  // alone takes 10 s) and a scheduler restart.
  double failover_timeout_seconds = 3600;
};

class failover_framework {
 public:
  explicit failover_framework(failover_options options) : options_(std::move(options)) {
    mesoshttp::client_config cfg;
    cfg.masters = options_.masters;
    cfg.framework.set_user("nobody");
    cfg.framework.set_name("failover_framework");
    cfg.framework.set_failover_timeout(options_.failover_timeout_seconds);
    client_ = std::make_unique<mesoshttp::scheduler_client>(cfg);
    for (int i = 0; i < options_.tasks; ++i) pending_.push_back("failover-" + std::to_string(i));
  }

  // Runs until every task has finished (then tears down), or the client
  // gives up. True if all tasks finished.
  bool run() {
    auto done = done_.get_future();
    auto subscription = client_->on_event([this](const mesoshttp::client_event& item) { on_item(item); });
    client_->start();
    done.wait();
    return finished_ == options_.tasks;
  }

  // Ends run() early (from any thread); the framework stays registered for
  // failover_timeout, so a restarted scheduler with its id can take over.
  void stop() { client_->shutdown(); }

  // For whoever watches us (the test): every framework id we were given.
  std::vector<std::string> framework_ids() const {
    std::lock_guard lock(mutex_);
    return ids_;
  }

 private:
  // Runs on the client's thread, one item at a time.
  void on_item(const mesoshttp::client_event& item) {
    using kind = mesoshttp::client_event::kind;
    if (item.type == kind::subscribed) {
      {
        std::lock_guard lock(mutex_);
        ids_.push_back(item.framework_id);
      }
      std::cout << "subscribed to " << item.master << " as " << item.framework_id << std::endl;
      // ACCEPTs in flight belonged to the old connection: their offers are
      // gone, and whether their tasks launched is for reconciliation to say.
      offers_in_flight_.clear();
      client_->send(calls::reconcile());
    } else if (item.type == kind::disconnected) {
      if (finished_ == options_.tasks) return;  // our TEARDOWN ends the stream
      std::cout << "lost the master: " << item.message << "; the client resubscribes" << std::endl;
    } else if (item.type == kind::closed) {
      done_.set_value();
    } else if (item.type != kind::event) {
      return;  // connecting
    } else if (item.event->type() == Event::OFFERS) {
      on_offers(item.event->offers());
    } else if (item.event->type() == Event::UPDATE) {
      on_update(item.event->update().status());
    }
  }

  void on_offers(const Event::Offers& offers) {
    for (const auto& offer : offers.offers()) {
      std::optional<mesos::v1::TaskInfo> task;
      if (!pending_.empty()) task = calls::task_from_offer(offer, pending_.back(), options_.command, 0.1, 32);
      if (!task) {
        client_->send(calls::decline({offer.id()}, calls::filters(pending_.empty() ? 3600 : 1)));
        continue;
      }
      pending_.pop_back();
      state_[task->task_id().value()] = mesos::v1::TASK_STAGING;
      name_[task->task_id().value()] = task->name();
      offers_in_flight_.insert(offer.id().value());
      client_->async_send(calls::accept({offer.id()}, {calls::ops::launch({*task})}, calls::filters(0)),
                          [this, offer_id = offer.id().value()](mesoshttp::call_result) {
                            // Runs on the client's thread as well: the client's executor is
                            // the handler's default.
                            offers_in_flight_.erase(offer_id);
                          });
    }
  }

  void on_update(const mesos::v1::TaskStatus& status) {
    if (status.has_uuid()) client_->send(calls::acknowledge(status));
    const std::string id = status.task_id().value();
    const auto it = state_.find(id);
    // Reconciliation also answers for tasks that ended long ago.
    if (it == state_.end() || is_terminal(it->second)) return;
    it->second = status.state();
    std::cout << id << " " << mesos::v1::TaskState_Name(status.state()) << std::endl;
    if (status.state() == mesos::v1::TASK_FINISHED) {
      ++finished_;
    } else if (is_terminal(status.state())) {
      // Lost in the failover, or failed: run it again under a new id.
      pending_.push_back(name_[id]);
    }
    if (finished_ == options_.tasks) client_->teardown();
  }

  static bool is_terminal(TaskState s) {
    return s == mesos::v1::TASK_FINISHED || s == mesos::v1::TASK_FAILED || s == mesos::v1::TASK_KILLED ||
           s == mesos::v1::TASK_LOST || s == mesos::v1::TASK_ERROR || s == mesos::v1::TASK_DROPPED ||
           s == mesos::v1::TASK_GONE || s == mesos::v1::TASK_GONE_BY_OPERATOR;
  }

  failover_options options_;
  std::unique_ptr<mesoshttp::scheduler_client> client_;
  std::promise<void> done_;
  // Touched only on the client's thread.
  std::vector<std::string> pending_;         // task names still to launch
  std::map<std::string, TaskState> state_;   // task id -> latest state
  std::map<std::string, std::string> name_;  // task id -> name
  std::set<std::string> offers_in_flight_;   // offers in ACCEPTs not yet answered
  int finished_ = 0;
  // Read from other threads.
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
};

}  // namespace example
