#include "mesoshttp/framework/demand_fsm.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace mesoshttp {

std::vector<std::string> roles_of(const mesos::v1::FrameworkInfo& framework) {
  if (framework.roles_size() > 0) return {framework.roles().begin(), framework.roles().end()};
    // FrameworkInfo.role is deprecated in favour of roles, and still what a
    // framework without MULTI_ROLE is offered resources for.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (framework.has_role() && !framework.role().empty()) return {framework.role()};
#pragma GCC diagnostic pop
  return {"*"};
}

demand_fsm::demand_fsm(std::vector<std::string> roles, demand_config config) : config_(config) {
  if (roles.empty()) throw std::invalid_argument("demand_fsm: no roles");
  for (auto& role : roles) roles_.try_emplace(std::move(role));
}

demand_fsm::role_entry& demand_fsm::entry(const std::string& role) {
  const auto it = roles_.find(role);
  if (it == roles_.end()) throw std::invalid_argument("demand: '" + role + "' is not one of the framework's roles");
  return it->second;
}

demand_fsm::actions demand_fsm::set_waiting(const std::string& role, std::uint64_t count, clock::time_point now) {
  entry(role).waiting = count;
  return evaluate(now);
}

demand_fsm::actions demand_fsm::add(const std::string& role, std::uint64_t count, clock::time_point now) {
  auto& e = entry(role);
  e.waiting = count > std::numeric_limits<std::uint64_t>::max() - e.waiting ? std::numeric_limits<std::uint64_t>::max()
                                                                            : e.waiting + count;
  return evaluate(now);
}

demand_fsm::actions demand_fsm::remove(const std::string& role, std::uint64_t count, clock::time_point now) {
  auto& e = entry(role);
  e.waiting -= std::min(e.waiting, count);
  return evaluate(now);
}

demand_fsm::actions demand_fsm::subscribed(clock::time_point now, const std::vector<std::string>& suppressed) {
  subscribed_ = true;
  ++epoch_;
  in_flight_ = 0;
  for (auto& [role, e] : roles_) {
    e.state = std::find(suppressed.begin(), suppressed.end(), role) != suppressed.end() ? role_state::suppressed
                                                                                        : role_state::revived;
    e.retry_at.reset();
  }
  return evaluate(now);
}

void demand_fsm::lost() {
  subscribed_ = false;
  in_flight_ = 0;
  for (auto& [role, e] : roles_) {
    e.state = role_state::unknown;
    e.retry_at.reset();
  }
}

demand_fsm::actions demand_fsm::tick(clock::time_point now) { return evaluate(now); }

demand_fsm::actions demand_fsm::completed(std::uint64_t epoch, const std::vector<std::string>& roles, bool ok,
                                          clock::time_point now) {
  // A call of an earlier subscription: what it did (or not) is overwritten
  // by the re-application at the new subscription.
  if (!subscribed_ || epoch != epoch_) {
    actions none;
    none.epoch = epoch_;
    return none;
  }
  if (in_flight_ > 0) --in_flight_;
  if (!ok) {
    ++counters_.failed_calls;
    for (const auto& role : roles) {
      const auto it = roles_.find(role);
      if (it == roles_.end()) continue;
      it->second.state = role_state::unknown;
      it->second.retry_at = now + config_.retry_after;
    }
  }
  return evaluate(now);
}

demand_fsm::role_state demand_fsm::state(const std::string& role) const {
  const auto it = roles_.find(role);
  return it == roles_.end() ? role_state::unknown : it->second.state;
}

std::uint64_t demand_fsm::waiting(const std::string& role) const {
  const auto it = roles_.find(role);
  return it == roles_.end() ? 0 : it->second.waiting;
}

demand_fsm::actions demand_fsm::evaluate(clock::time_point now) {
  actions out;
  out.epoch = epoch_;
  // Not subscribed: the next subscription re-applies everything. A batch in
  // flight: its completion evaluates again, with whatever changed meanwhile.
  if (!subscribed_ || in_flight_ > 0) return out;
  const auto wake = [&out](clock::time_point at) {
    if (!out.wake_at || at < *out.wake_at) out.wake_at = at;
  };
  for (auto& [role, e] : roles_) {
    // A window that has ended ends its fold (counted once, however often
    // the work came and went inside it).
    if (e.revive_deferred && (!e.last_revive || now >= *e.last_revive + config_.revive_window))
      e.revive_deferred = false;
    if (e.state == role_state::unknown && e.retry_at) {
      if (now < *e.retry_at) {
        wake(*e.retry_at);
        continue;
      }
      e.retry_at.reset();
    }
    if (e.waiting == 0) {
      // Unknown (after a failure) is treated as "may be revived".
      if (e.state != role_state::suppressed) {
        e.state = role_state::suppressed;
        out.suppress.push_back(role);
      }
      continue;
    }
    if (e.state == role_state::revived) continue;
    if (e.last_revive && now < *e.last_revive + config_.revive_window) {
      // Folded: one REVIVE at the window's end covers every arrival until then.
      if (!e.revive_deferred) ++counters_.revives_deferred;
      e.revive_deferred = true;
      wake(*e.last_revive + config_.revive_window);
      continue;
    }
    e.revive_deferred = false;
    e.state = role_state::revived;
    e.last_revive = now;
    out.revive.push_back(role);
  }
  if (!out.suppress.empty()) {
    ++counters_.suppress_calls;
    ++in_flight_;
  }
  if (!out.revive.empty()) {
    ++counters_.revive_calls;
    ++in_flight_;
  }
  return out;
}

}  // namespace mesoshttp
