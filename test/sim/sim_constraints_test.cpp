// The simulated master's offer constraints: which agents a role is offered,
// per role, and the refusals of invalid ones, in both encodings.
#include <set>

#include "sim_api.hpp"

// RECONCILE_OPERATIONS is deprecated in the schema, yet masters still answer it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using namespace simtest;

// Three agents told apart by hostname and attributes.
class SimConstraints : public SimApi {
  void configure(cluster_config& cfg) override {
    cfg.agents = {{"web-1", 1, 1024, 1024, {{31000, 31010}}, {{"rack", "r1"}, {"os", "linux"}}},
                  {"db-1", 1, 1024, 1024, {{31000, 31010}}, {{"rack", "r2"}, {"os", "linux"}}},
                  {"gpu-1", 1, 1024, 1024, {{31000, 31010}}, {{"os", "bsd"}}}};
  }
};

using AttributeConstraint = mesos::v1::scheduler::AttributeConstraint;
using Selector = AttributeConstraint::Selector;

AttributeConstraint on(const std::string& attribute) {
  AttributeConstraint c;
  c.mutable_selector()->set_attribute_name(attribute);
  return c;
}
AttributeConstraint on(Selector::PseudoattributeType pseudo) {
  AttributeConstraint c;
  c.mutable_selector()->set_pseudoattribute_type(pseudo);
  return c;
}
AttributeConstraint exists(AttributeConstraint c) {
  c.mutable_predicate()->mutable_exists();
  return c;
}
AttributeConstraint not_exists(AttributeConstraint c) {
  c.mutable_predicate()->mutable_not_exists();
  return c;
}
AttributeConstraint equals(AttributeConstraint c, const std::string& v) {
  c.mutable_predicate()->mutable_text_equals()->set_value(v);
  return c;
}
AttributeConstraint not_equals(AttributeConstraint c, const std::string& v) {
  c.mutable_predicate()->mutable_text_not_equals()->set_value(v);
  return c;
}
AttributeConstraint matches(AttributeConstraint c, const std::string& re) {
  c.mutable_predicate()->mutable_text_matches()->set_regex(re);
  return c;
}
AttributeConstraint not_matches(AttributeConstraint c, const std::string& re) {
  c.mutable_predicate()->mutable_text_not_matches()->set_regex(re);
  return c;
}

// role -> groups (any of them) of constraints (all of them).
using constraint_spec = std::map<std::string, std::vector<std::vector<AttributeConstraint>>>;

mesos::v1::scheduler::OfferConstraints constraints(const constraint_spec& spec) {
  mesos::v1::scheduler::OfferConstraints out;
  for (const auto& [role, groups] : spec) {
    auto& rc = (*out.mutable_role_constraints())[role];
    for (const auto& group : groups) {
      auto* g = rc.add_groups();
      for (const auto& c : group) *g->add_attribute_constraints() = c;
    }
  }
  return out;
}

TEST_P(SimConstraints, AttributeConstraintsChooseTheAgentsOffered) {
  using hosts = std::set<std::string>;
  const std::vector<std::pair<std::vector<std::vector<AttributeConstraint>>, hosts>> cases = {
      {{}, {"web-1", "db-1", "gpu-1"}},
      {{{exists(on("rack"))}}, {"web-1", "db-1"}},
      {{{not_exists(on("rack"))}}, {"gpu-1"}},
      {{{equals(on("rack"), "r1")}}, {"web-1"}},
      {{{not_equals(on("rack"), "r1")}}, {"db-1", "gpu-1"}},  // a missing value is not equal
      {{{matches(on(Selector::HOSTNAME), "(web|db)-[0-9]+")}}, {"web-1", "db-1"}},
      // text_matches must match the whole value: "web" does not match "web-1".
      {{{matches(on(Selector::HOSTNAME), "web")}, {equals(on("os"), "bsd")}}, {"gpu-1"}},
      {{{not_matches(on(Selector::HOSTNAME), "web-.*")}}, {"db-1", "gpu-1"}},
      {{{not_exists(on(Selector::ZONE))}}, {"web-1", "db-1", "gpu-1"}},               // no fault domain
      {{{equals(on("rack"), "r1")}, {equals(on("os"), "bsd")}}, {"web-1", "gpu-1"}},  // or
      {{{equals(on("os"), "linux"), not_equals(on("rack"), "r1")}}, {"db-1"}},        // and
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [groups, expected] = cases[i];
    auto sub = subscribe_call("constrained");
    *sub.mutable_subscribe()->mutable_offer_constraints() = constraints({{"*", groups}});
    framework fw(port(), GetParam(), sub);
    ASSERT_TRUE(fw.ok()) << "case " << i;
    // The only framework: the first round offers every agent it may have.
    auto offers = fw.next_of(Event::OFFERS);
    ASSERT_TRUE(offers) << "case " << i;
    hosts seen;
    for (const auto& o : offers->offers().offers()) seen.insert(o.hostname());
    EXPECT_EQ(seen, expected) << "case " << i;
    Call teardown;
    teardown.set_type(Call::TEARDOWN);
    fw.call(teardown);
    ASSERT_TRUE(eventually([&] { return sim->frameworks().empty(); }));
  }
}

TEST_P(SimConstraints, ConstraintsArePerRoleAndUpdateFrameworkReplacesThem) {
  auto sub = multi_role_subscribe({"a", "b"});
  *sub.mutable_subscribe()->mutable_offer_constraints() =
      constraints({{"a", {{equals(on("rack"), "r1")}}}, {"b", {{equals(on("os"), "bsd")}}}});
  framework fw(port(), GetParam(), sub);
  ASSERT_TRUE(fw.ok());
  std::set<std::pair<std::string, std::string>> seen;  // (role, hostname)
  std::vector<mesos::v1::Offer> held;
  while (seen.size() < 2) {
    auto e = fw.next_of(Event::OFFERS);
    ASSERT_TRUE(e);
    for (const auto& o : e->offers().offers()) {
      seen.emplace(offer_role(o), o.hostname());
      held.push_back(o);
    }
  }
  EXPECT_EQ(seen, (std::set<std::pair<std::string, std::string>>{{"a", "web-1"}, {"b", "gpu-1"}}));
  EXPECT_EQ(held.size(), 2u) << "db-1 fits neither role";
  // The update drops b's constraint and moves a to db-1: web-1's offer is
  // rescinded, and db-1 is offered.
  Call update;
  update.set_type(Call::UPDATE_FRAMEWORK);
  *update.mutable_update_framework()->mutable_framework_info() = sub.subscribe().framework_info();
  update.mutable_update_framework()->mutable_framework_info()->mutable_id()->set_value(fw.id);
  *update.mutable_update_framework()->mutable_offer_constraints() = constraints({{"a", {{equals(on("rack"), "r2")}}}});
  ASSERT_EQ(fw.call(update)->status, 200u);
  std::string web_offer;
  for (const auto& o : held)
    if (o.hostname() == "web-1") web_offer = o.id().value();
  bool rescinded = false;
  bool db_offered = false;
  while (!rescinded || !db_offered) {
    auto e = fw.stream->next();
    ASSERT_TRUE(e);
    if (e->type() == Event::RESCIND) {
      EXPECT_EQ(e->rescind().offer_id().value(), web_offer);
      rescinded = true;
    }
    if (e->type() == Event::OFFERS)
      for (const auto& o : e->offers().offers()) {
        if (o.hostname() == "db-1") db_offered = true;
        if (o.hostname() == "web-1") {
          EXPECT_EQ(offer_role(o), "b");
        }
      }
  }
}

TEST_P(SimConstraints, InvalidConstraintsAreRefused) {
  framework fw(port(), GetParam(), multi_role_subscribe({"a"}));
  ASSERT_TRUE(fw.ok());
  Call update;
  update.set_type(Call::UPDATE_FRAMEWORK);
  *update.mutable_update_framework()->mutable_framework_info() =
      multi_role_subscribe({"a"}).subscribe().framework_info();
  update.mutable_update_framework()->mutable_framework_info()->mutable_id()->set_value(fw.id);
  const auto refused = [&](const constraint_spec& spec, const std::string& part) {
    *update.mutable_update_framework()->mutable_offer_constraints() = constraints(spec);
    auto r = fw.call(update);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u) << part;
    EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
    EXPECT_NE(r->body.find(part), std::string::npos) << r->body;
  };
  refused({{"a", {{matches(on("rack"), "(unclosed")}}}}, "regex '(unclosed' does not compile");
  refused({{"a", {{not_matches(on("rack"), "[z-a]")}}}}, "regex '[z-a]' does not compile");
  refused({{"x", {{exists(on("rack"))}}}}, "role 'x', which is not one of the framework's roles");
  AttributeConstraint no_predicate = on("rack");
  no_predicate.mutable_predicate();  // present (it is required), but empty
  refused({{"a", {{no_predicate}}}}, "no predicate");
  AttributeConstraint no_selector;
  no_selector.mutable_selector();
  no_selector.mutable_predicate()->mutable_exists();
  refused({{"a", {{no_selector}}}}, "no selector");
  // An invalid SUBSCRIBE: the stream carries one ERROR event and ends.
  auto sub = multi_role_subscribe({"a"});
  *sub.mutable_subscribe()->mutable_offer_constraints() =
      constraints({{"a", {{matches(on(Selector::HOSTNAME), "*")}}}});
  event_stream bad(port(), encode_call(sub, GetParam()), GetParam(), std::string(mesoshttp::content_type(GetParam())));
  EXPECT_EQ(bad.head().status, 200u);
  auto error = bad.next();
  ASSERT_TRUE(error);
  ASSERT_EQ(error->type(), Event::ERROR);
  EXPECT_NE(error->error().message().find("regex '*' does not compile"), std::string::npos) << error->error().message();
  EXPECT_TRUE(bad.wait_end());
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimConstraints, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

}  // namespace
