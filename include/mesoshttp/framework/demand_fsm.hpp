// The decisions of suppress/revive per role, without I/O: the framework says
// how much work waits per role, the subscription comes and goes, time
// passes; out come SUPPRESS and REVIVE calls (as role lists). The adapter
// that sends them over a client is demand_manager (demand_manager.hpp).
//
// Rules:
// - A role with nothing waiting is suppressed (no offers flood a framework
//   that has nothing to run); one with work waiting is revived.
// - Only one batch of calls is in flight at a time: the call pool may carry
//   two calls on two connections, and a SUPPRESS overtaking the REVIVE sent
//   before it would leave a role with work suppressed. Changes made while a
//   batch is in flight are folded into the next one.
// - REVIVE is debounced per role: the first goes at once, another within
//   `revive_window` of it waits for the window's end, however many times
//   work came and went meanwhile (a burst, or a role that flaps between
//   "nothing" and "something", costs one REVIVE per window). SUPPRESS is not
//   delayed: it only ever follows a REVIVE, so it is bounded by them.
// - A subscription starts with no role suppressed (the client's SUBSCRIBE
//   names none), so on every (re)subscription the roles with nothing
//   waiting are suppressed again.
// - Nothing is sent while not subscribed; a call that fails leaves its
//   roles' state unknown, and they are set again after `retry_after`.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp {

struct demand_config {
  // At most one REVIVE per role per window (the first at once).
  std::chrono::milliseconds revive_window{1000};
  // A failed SUPPRESS/REVIVE is tried again after this.
  std::chrono::milliseconds retry_after{1000};
};

// The roles a framework is offered resources for, as the master sees them:
// FrameworkInfo.roles (MULTI_ROLE), else its role, else "*".
std::vector<std::string> roles_of(const mesos::v1::FrameworkInfo& framework);

struct demand_counters {
  std::uint64_t suppress_calls = 0;
  std::uint64_t revive_calls = 0;
  std::uint64_t revives_deferred = 0;  // a REVIVE wanted inside the window, sent at its end
  std::uint64_t failed_calls = 0;
};

class demand_fsm {
 public:
  using clock = std::chrono::steady_clock;

  // What to send now; all empty: nothing. `epoch` identifies the
  // subscription the calls are for: report their outcome with it.
  struct actions {
    std::vector<std::string> suppress;  // one SUPPRESS for these roles
    std::vector<std::string> revive;    // one REVIVE for these roles
    // Call tick() then (a deferred REVIVE or a retry); nullopt: no need.
    std::optional<clock::time_point> wake_at;
    std::uint64_t epoch = 0;
    bool calls() const { return !suppress.empty() || !revive.empty(); }
  };

  // `roles`: the framework's roles (roles_of(framework_info)); work for any
  // other role is a programming error (std::invalid_argument).
  explicit demand_fsm(std::vector<std::string> roles, demand_config config = {});

  // The framework's demand: how much work waits for offers of `role`.
  actions set_waiting(const std::string& role, std::uint64_t count, clock::time_point now);
  actions add(const std::string& role, std::uint64_t count, clock::time_point now);
  // Saturates at zero.
  actions remove(const std::string& role, std::uint64_t count, clock::time_point now);

  // SUBSCRIBED: the master holds no role suppressed but those in
  // `suppressed` (what the SUBSCRIBE named; the client names none).
  actions subscribed(clock::time_point now, const std::vector<std::string>& suppressed = {});
  // The subscription is gone (or closed): nothing is sent until the next;
  // outcomes of calls sent before are ignored.
  void lost();
  // The wake_at time has come (early or late calls are harmless).
  actions tick(clock::time_point now);
  // The outcome of a call of `epoch` for `roles` (one of the two lists).
  actions completed(std::uint64_t epoch, const std::vector<std::string>& roles, bool ok, clock::time_point now);

  enum class role_state {
    unknown,     // not subscribed, or a call for it failed
    suppressed,  // as far as we told the master
    revived,
  };
  role_state state(const std::string& role) const;
  std::uint64_t waiting(const std::string& role) const;
  bool is_subscribed() const { return subscribed_; }
  const demand_counters& counters() const { return counters_; }

 private:
  struct role_entry {
    std::uint64_t waiting = 0;
    role_state state = role_state::unknown;
    std::optional<clock::time_point> last_revive;
    std::optional<clock::time_point> retry_at;  // after a failure
    bool revive_deferred = false;               // waiting for the window's end (counted once)
  };
  role_entry& entry(const std::string& role);
  actions evaluate(clock::time_point now);

  demand_config config_;
  std::map<std::string, role_entry> roles_;
  bool subscribed_ = false;
  std::uint64_t epoch_ = 0;
  std::size_t in_flight_ = 0;  // calls of epoch_ not yet completed
  demand_counters counters_;
};

}  // namespace mesoshttp
