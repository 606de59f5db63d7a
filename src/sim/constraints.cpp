#include "constraints.hpp"

#include <algorithm>

namespace mesoshttp::sim::detail {

namespace {

using mesos::v1::scheduler::AttributeConstraint;

std::optional<std::string> selected(const AttributeConstraint::Selector& s, const agent_view& agent) {
  if (s.has_attribute_name()) {
    if (!agent.attributes) return std::nullopt;
    for (const auto& [name, value] : *agent.attributes)
      if (name == s.attribute_name()) return value;
    return std::nullopt;
  }
  if (s.pseudoattribute_type() == AttributeConstraint::Selector::HOSTNAME) return agent.hostname;
  return std::nullopt;  // REGION, ZONE: no fault domain
}

bool holds(const attribute_constraint& c, const agent_view& agent) {
  const auto value = selected(c.source.selector(), agent);
  const auto& p = c.source.predicate();
  switch (p.predicate_case()) {
    case AttributeConstraint::Predicate::kExists: return value.has_value();
    case AttributeConstraint::Predicate::kNotExists: return !value.has_value();
    case AttributeConstraint::Predicate::kTextEquals: return value && *value == p.text_equals().value();
    case AttributeConstraint::Predicate::kTextNotEquals: return !value || *value != p.text_not_equals().value();
    case AttributeConstraint::Predicate::kTextMatches: return value && std::regex_match(*value, *c.regex);
    case AttributeConstraint::Predicate::kTextNotMatches: return !value || !std::regex_match(*value, *c.regex);
    default: return false;  // rejected by compile_constraints
  }
}

}  // namespace

std::variant<offer_constraints, std::string> compile_constraints(const mesos::v1::scheduler::OfferConstraints& c,
                                                                 const std::vector<std::string>& roles) {
  offer_constraints out;
  for (const auto& [role, rc] : c.role_constraints()) {
    if (std::find(roles.begin(), roles.end(), role) == roles.end())
      return "Offer constraints are given for role '" + role + "', which is not one of the framework's roles";
    auto& groups = out[role];
    for (const auto& group : rc.groups()) {
      constraint_group compiled;
      for (const auto& ac : group.attribute_constraints()) {
        const auto& sel = ac.selector();
        if (!sel.has_attribute_name() &&
            (!sel.has_pseudoattribute_type() || sel.pseudoattribute_type() == AttributeConstraint::Selector::UNKNOWN))
          return "Invalid offer constraint of role '" + role + "': no selector";
        attribute_constraint a{ac, nullptr};
        const auto& p = ac.predicate();
        std::optional<std::string> pattern;
        switch (p.predicate_case()) {
          case AttributeConstraint::Predicate::PREDICATE_NOT_SET:
            return "Invalid offer constraint of role '" + role + "': no predicate";
          case AttributeConstraint::Predicate::kTextMatches: pattern = p.text_matches().regex(); break;
          case AttributeConstraint::Predicate::kTextNotMatches: pattern = p.text_not_matches().regex(); break;
          default: break;
        }
        if (pattern) {
          try {
            a.regex = std::make_shared<const std::regex>(*pattern, std::regex::ECMAScript);
          } catch (const std::regex_error& e) {
            return "Invalid offer constraint of role '" + role + "': regex '" + *pattern +
                   "' does not compile: " + e.what();
          }
        }
        compiled.push_back(std::move(a));
      }
      groups.push_back(std::move(compiled));
    }
    if (groups.empty()) out.erase(role);  // nothing constrains it
  }
  return out;
}

bool satisfies(const offer_constraints& c, const std::string& role, const agent_view& agent) {
  const auto it = c.find(role);
  if (it == c.end()) return true;
  return std::any_of(it->second.begin(), it->second.end(), [&](const constraint_group& g) {
    return std::all_of(g.begin(), g.end(), [&](const attribute_constraint& a) { return holds(a, agent); });
  });
}

}  // namespace mesoshttp::sim::detail
