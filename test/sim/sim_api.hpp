// What the simulator's scheduler-API tests share: the fixture that starts one
// master with one agent, and the helpers for roles, declines and offers.
#pragma once

#include <string>
#include <vector>

#include "sim_common.hpp"

namespace simtest {

using mesoshttp::sim::cluster;
using mesoshttp::sim::cluster_config;

// Named, not in an anonymous namespace: its tests live in several files of
// one binary, and gtest wants one fixture type per suite.
class SimApi : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override {
    auto cfg = fast_config();
    cfg.agents.push_back({"", 4, 8192, 65536, {{31000, 32000}}, {{"rack", "r1"}}});
    configure(cfg);
    sim = std::make_unique<cluster>(cfg);
    sim->start();
  }
  virtual void configure(cluster_config&) {}
  std::uint16_t port() const { return sim->port(0); }
  std::unique_ptr<cluster> sim;
};

// A framework with the MULTI_ROLE capability and these roles.
inline Call multi_role_subscribe(const std::vector<std::string>& roles,
                                 const std::vector<std::string>& suppressed = {}) {
  auto sub = subscribe_call("multi");
  auto* info = sub.mutable_subscribe()->mutable_framework_info();
  for (const auto& r : roles) info->add_roles(r);
  info->add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
  for (const auto& r : suppressed) sub.mutable_subscribe()->add_suppressed_roles(r);
  return sub;
}

// The role an offer is allocated to, checked to be the same on every resource.
inline std::string offer_role(const mesos::v1::Offer& offer) {
  for (const auto& r : offer.resources()) EXPECT_EQ(r.allocation_info().role(), offer.allocation_info().role());
  return offer.allocation_info().role();
}

inline Call decline_call(const mesos::v1::Offer& offer, double refuse_seconds) {
  Call d;
  d.set_type(Call::DECLINE);
  d.mutable_decline()->add_offer_ids()->CopyFrom(offer.id());
  d.mutable_decline()->mutable_filters()->set_refuse_seconds(refuse_seconds);
  return d;
}

inline Call roles_call(Call::Type type, const std::vector<std::string>& roles) {
  Call c;
  c.set_type(type);
  for (const auto& r : roles) {
    if (type == Call::SUPPRESS)
      c.mutable_suppress()->add_roles(r);
    else
      c.mutable_revive()->add_roles(r);
  }
  return c;
}

// No OFFERS event during `heartbeats` heartbeats (many allocation rounds).
inline void expect_no_offers(framework& fw, int heartbeats = 4) {
  for (int i = 0; i < heartbeats;) {
    auto e = fw.stream->next();
    ASSERT_TRUE(e);
    ASSERT_NE(e->type(), Event::OFFERS) << "offered to " << offer_role(e->offers().offers(0));
    if (e->type() == Event::HEARTBEAT) ++i;
  }
}

inline Call reconcile_operations(const std::vector<std::string>& ids) {
  Call c;
  c.set_type(Call::RECONCILE_OPERATIONS);
  auto* r = c.mutable_reconcile_operations();
  for (const auto& id : ids) r->add_operations()->mutable_operation_id()->set_value(id);
  return c;
}

}  // namespace simtest
