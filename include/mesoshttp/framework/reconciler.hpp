// Reconciliation after every (re)subscription: updates may have been lost
// while the framework was away (a master failover, a restart of the
// framework), so it asks the master about every task it believes live,
// again and again with backoff until each has an answer, then once about
// all tasks (implicit: the master also names tasks the framework forgot).
// Tasks the master no longer knows come back TASK_LOST (TASK_UNKNOWN for a
// PARTITION_AWARE framework) with REASON_RECONCILIATION, and are reported.
//
// reconcile_fsm holds the decisions (no I/O, no clock); reconciler runs it on
// a scheduler_client with a timer on the client's executor.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/task_tracker.hpp"

namespace mesoshttp {

struct reconcile_config {
  // First wait for answers before asking again: a master answers at once,
  // so a missing answer means a lost call or a busy master.
  std::chrono::milliseconds first_wait{2'000};
  // Each round waits twice as long, up to this (a master under load).
  std::chrono::milliseconds max_wait{60'000};
};

class reconcile_fsm {
 public:
  struct action {
    std::optional<mesos::v1::scheduler::Call> call;  // send this now
    std::optional<std::chrono::milliseconds> wait;   // then call on_timeout() after this (replaces any earlier)
  };
  explicit reconcile_fsm(reconcile_config config = {}) : config_(config) {}

  // A new subscription: ask about `tasks` (ids and, when known, agents).
  action on_subscribed(const std::vector<tracked_task>& tasks);
  // Any status update: an answer when it is about a task still asked about.
  action on_update(const mesos::v1::TaskStatus& status);
  // The wait ran out: ask again about those without an answer.
  action on_timeout();
  // The subscription is gone: nothing more until the next one.
  void on_lost();

  bool running() const noexcept { return running_; }
  std::size_t unanswered() const noexcept { return asked_.size(); }
  unsigned rounds() const noexcept { return rounds_; }  // explicit rounds sent since the last subscription

 private:
  action explicit_round();
  action finish();

  reconcile_config config_;
  bool running_ = false;
  std::set<std::string> asked_;
  std::vector<tracked_task> tasks_;  // agent ids, for the calls
  std::chrono::milliseconds wait_{0};
  unsigned rounds_ = 0;
};

// A task the master does not know: its reconciliation answer said LOST,
// UNKNOWN, GONE or DROPPED.
bool is_unknown_to_master(const mesos::v1::TaskStatus& status) noexcept;

class reconciler {
 public:
  // Reconciles the live tasks of `tracker` after each subscription of
  // `client`. Feed it every client item (after the tracker saw the update).
  // `on_unknown` (optional) hears each task the master no longer knows.
  reconciler(scheduler_client& client, task_tracker& tracker, reconcile_config config = {},
             std::function<void(const mesos::v1::TaskStatus&)> on_unknown = {});
  ~reconciler();
  reconciler(const reconciler&) = delete;
  reconciler& operator=(const reconciler&) = delete;

  void on_event(const client_event& item);

  bool running() const;
  std::size_t unknown_answers() const;  // so far

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace mesoshttp
