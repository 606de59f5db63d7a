// Suppress/revive per role over a scheduler client: the framework says how
// much work waits per role, and the manager keeps the master's offers
// flowing for the roles that have some and suppressed for those that have
// none, across resubscriptions. The decisions are demand_fsm's
// (demand_fsm.hpp: the rules and the debounce); this sends them as SUPPRESS
// and REVIVE calls and keeps the timer for deferred REVIVEs and retries.
//
//   mesoshttp::demand_manager demand(client, mesoshttp::roles_of(cfg.framework));
//   auto sub = client.on_event([&](const client_event& e) { demand.on_event(e); });
//   client.start();                   // subscribed: every role is suppressed
//   demand.add_work("*", 10);         // one REVIVE
//   demand.work_done("*");            // ... nine left; at zero, SUPPRESS
//
// Thread-safe. Destroy it before the client (it sends on it and its timer
// runs on the client's executor); detach the consumer that feeds it first.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/demand_fsm.hpp"

namespace mesoshttp {

class demand_manager {
 public:
  // `roles`: the framework's roles (roles_of(config.framework)).
  demand_manager(scheduler_client& client, std::vector<std::string> roles, demand_config config = {});
  ~demand_manager();
  demand_manager(const demand_manager&) = delete;
  demand_manager& operator=(const demand_manager&) = delete;

  // How much work waits for offers of `role` (a role that is not the
  // framework's: std::invalid_argument).
  void set_waiting(const std::string& role, std::uint64_t count);
  void add_work(const std::string& role, std::uint64_t count = 1);
  // Work placed (or dropped); saturates at zero.
  void work_done(const std::string& role, std::uint64_t count = 1);

  // Feed every item of the client, from before start(): it sends nothing
  // until it has seen a `subscribed` item, which (re-)applies the
  // suppression; the loss of the subscription holds the calls until the next.
  void on_event(const client_event& item);

  std::uint64_t waiting(const std::string& role) const;
  demand_fsm::role_state state(const std::string& role) const;
  demand_counters counters() const;

 private:
  struct shared_state;
  std::shared_ptr<shared_state> state_;
};

}  // namespace mesoshttp
