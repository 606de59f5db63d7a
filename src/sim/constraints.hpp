// Offer constraints of the simulated master (SUBSCRIBE's and
// UPDATE_FRAMEWORK's offer_constraints): which agents a framework's role may
// be offered, by the agent's attributes and pseudoattributes. Sans-I/O.
//
// Per role, an agent qualifies when it satisfies at least one group, and a
// group when it satisfies all of its attribute constraints. A role without
// constraints, or with an entry without groups, is not constrained.
// Selectors: an attribute by name (the agent's first attribute of that name;
// mesos-sim agents have TEXT attributes only) or the pseudoattributes
// HOSTNAME, REGION and ZONE (mesos-sim agents have no fault domain, so REGION
// and ZONE never exist). Predicates: exists, not_exists; text_equals and
// text_matches (a regex that must match the whole value) need the value to
// exist; text_not_equals and text_not_matches hold for a missing value.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::sim::detail {

struct attribute_constraint {
  mesos::v1::scheduler::AttributeConstraint source;
  std::shared_ptr<const std::regex> regex;  // text_matches, text_not_matches
};
using constraint_group = std::vector<attribute_constraint>;
// role -> groups (any one of them must hold)
using offer_constraints = std::map<std::string, std::vector<constraint_group>>;

// What constraints see of an agent.
struct agent_view {
  std::string hostname;
  const std::vector<std::pair<std::string, std::string>>* attributes = nullptr;
};

// Checks and compiles `c` for a framework with `roles`: the reason it is
// invalid (a role the framework does not have, a missing selector or
// predicate, a regex that does not compile), or the constraints.
std::variant<offer_constraints, std::string> compile_constraints(const mesos::v1::scheduler::OfferConstraints& c,
                                                                 const std::vector<std::string>& roles);

// True when `role` may be offered the agent.
bool satisfies(const offer_constraints& c, const std::string& role, const agent_view& agent);

}  // namespace mesoshttp::sim::detail
