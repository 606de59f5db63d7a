// The helpers around calls: terminal states, filters, resources and ids, and
// a task carved from an offer's own pieces.
#include "mesoshttp/calls.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "support/calls_support.hpp"

namespace {

using namespace mesoshttp::test;

// Resource.role is deprecated in the schema; read it without the warning.
std::string legacy_role(const v1::Resource& r) {
  const auto* field = r.GetDescriptor()->FindFieldByName("role");
  return r.GetReflection()->HasField(r, field) ? r.GetReflection()->GetString(r, field) : "";
}

TEST(Helpers, TerminalStates) {
  using namespace mesos::v1;
  for (auto s :
       {TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_ERROR, TASK_LOST, TASK_DROPPED, TASK_GONE, TASK_GONE_BY_OPERATOR})
    EXPECT_TRUE(mesoshttp::calls::is_terminal(s)) << TaskState_Name(s);
  for (auto s : {TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_UNREACHABLE, TASK_UNKNOWN})
    EXPECT_FALSE(mesoshttp::calls::is_terminal(s)) << TaskState_Name(s);
}

TEST(Helpers, Filters) {
  auto f = calls::filters(12.5);
  EXPECT_TRUE(f.has_refuse_seconds());
  EXPECT_EQ(f.refuse_seconds(), 12.5);
}

TEST(Helpers, ResourceBuilders) {
  auto c = calls::scalar("cpus", 1.5);
  EXPECT_EQ(c.name(), "cpus");
  EXPECT_EQ(c.type(), v1::Value::SCALAR);
  EXPECT_EQ(c.scalar().value(), 1.5);
  EXPECT_FALSE(c.has_allocation_info());
  // The deprecated pre-refinement role field is never written.
  EXPECT_FALSE(c.GetReflection()->HasField(c, c.GetDescriptor()->FindFieldByName("role")));
  EXPECT_EQ(calls::scalar("mem", 1, "web").allocation_info().role(), "web");

  auto p = calls::ranges("ports", {{31000, 31005}, {32000, 32000}}, "*");
  EXPECT_EQ(p.type(), v1::Value::RANGES);
  ASSERT_EQ(p.ranges().range_size(), 2);
  EXPECT_EQ(p.ranges().range(0).begin(), 31000u);
  EXPECT_EQ(p.ranges().range(0).end(), 31005u);
  EXPECT_EQ(p.ranges().range(1).begin(), 32000u);
  EXPECT_EQ(p.allocation_info().role(), "*");

  auto s = calls::set("gpus_ids", {"a", "b"});
  EXPECT_EQ(s.type(), v1::Value::SET);
  ASSERT_EQ(s.set().item_size(), 2);
  EXPECT_EQ(s.set().item(1), "b");

  auto r = calls::with_reservation(calls::with_reservation(c, "eng"), "eng/web", "me");
  ASSERT_EQ(r.reservations_size(), 2);
  EXPECT_EQ(r.reservations(0).role(), "eng");
  EXPECT_EQ(r.reservations(0).type(), v1::Resource::ReservationInfo::DYNAMIC);
  EXPECT_FALSE(r.reservations(0).has_principal());
  EXPECT_EQ(r.reservations(1).role(), "eng/web");
  EXPECT_EQ(r.reservations(1).principal(), "me");
  auto st = calls::with_reservation(c, "x", {}, v1::Resource::ReservationInfo::STATIC);
  EXPECT_EQ(st.reservations(0).type(), v1::Resource::ReservationInfo::STATIC);
  for (const auto& res : {c, p, s, r}) EXPECT_TRUE(res.IsInitialized());
}

TEST(Helpers, IdBuilders) {
  EXPECT_EQ(calls::offer_id("a").value(), "a");
  EXPECT_EQ(calls::agent_id("b").value(), "b");
  EXPECT_EQ(calls::task_id("c").value(), "c");
  EXPECT_EQ(calls::executor_id("d").value(), "d");
  EXPECT_EQ(calls::operation_id("e").value(), "e");
  EXPECT_EQ(calls::resource_provider_id("f").value(), "f");
}

TEST(Helpers, ScalarTotalSumsEveryPiece) {
  const auto offer = sample_offer();
  EXPECT_DOUBLE_EQ(calls::scalar_total(offer, "cpus"), 2.0);
  EXPECT_DOUBLE_EQ(calls::scalar_total(offer, "mem"), 4096);
  EXPECT_DOUBLE_EQ(calls::scalar_total(offer, "disk"), 600);
  EXPECT_DOUBLE_EQ(calls::scalar_total(offer, "ports"), 0);  // not a scalar
  EXPECT_DOUBLE_EQ(calls::scalar_total(offer, "gpus"), 0);
}

TEST(Helpers, ResourcesFit) {
  const auto offer = sample_offer();
  EXPECT_TRUE(calls::resources_fit(offer, 2, 4096, 100));
  EXPECT_TRUE(calls::resources_fit(offer, 0, 0, 0));
  EXPECT_FALSE(calls::resources_fit(offer, 2.1, 1, 0));
  EXPECT_FALSE(calls::resources_fit(offer, 1, 4097, 0));
  // The persistent volume is not free disk.
  EXPECT_FALSE(calls::resources_fit(offer, 1, 1, 101));
  EXPECT_FALSE(calls::resources_fit(v1::Offer{}, 0.1, 0, 0));
}

TEST(Helpers, TaskFromOfferCarvesTheOffersOwnPieces) {
  const auto offer = sample_offer();
  auto t = calls::task_from_offer(offer, "web", "python3 -m http.server", 1.0, 256, 50, "web-1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name(), "web");
  EXPECT_EQ(t->task_id().value(), "web-1");
  EXPECT_EQ(t->agent_id().value(), "S0");
  EXPECT_TRUE(t->command().shell());
  EXPECT_EQ(t->command().value(), "python3 -m http.server");
  EXPECT_TRUE(t->IsInitialized()) << t->InitializationErrorString();

  // cpus: all 0.5 unreserved, then 0.5 of the reserved piece, each keeping
  // its role, reservation and allocation.
  std::map<std::string, double> totals;
  std::vector<const v1::Resource*> cpus;
  for (const auto& r : t->resources()) {
    totals[r.name()] += r.scalar().value();
    EXPECT_TRUE(r.has_allocation_info()) << r.ShortDebugString();
    EXPECT_FALSE(r.has_disk()) << "took the persistent volume";
    if (r.name() == "cpus") cpus.push_back(&r);
  }
  EXPECT_DOUBLE_EQ(totals["cpus"], 1.0);
  EXPECT_DOUBLE_EQ(totals["mem"], 256);
  EXPECT_DOUBLE_EQ(totals["disk"], 50);
  EXPECT_EQ(totals.count("ports"), 0u);
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_DOUBLE_EQ(cpus[0]->scalar().value(), 0.5);
  EXPECT_EQ(cpus[0]->allocation_info().role(), "*");
  EXPECT_EQ(legacy_role(*cpus[0]), "*");
  EXPECT_DOUBLE_EQ(cpus[1]->scalar().value(), 0.5);
  EXPECT_EQ(cpus[1]->allocation_info().role(), "web");
  ASSERT_EQ(cpus[1]->reservations_size(), 1);
  EXPECT_EQ(cpus[1]->reservations(0).role(), "web");
}

TEST(Helpers, TaskFromOfferFillsAllocationFromTheOfferAndGeneratesIds) {
  // As an older master sends it: allocation only on the offer.
  auto offer = offer_from_text(R"pb(
    id { value: "O" }
    framework_id { value: "F" }
    agent_id { value: "S7" }
    hostname: "h"
    resources {
      name: "cpus"
      type: SCALAR
      scalar { value: 1 }
    }
    resources {
      name: "mem"
      type: SCALAR
      scalar { value: 64 }
    }
    allocation_info { role: "batch" })pb");
  v1::CommandInfo cmd;
  cmd.set_shell(false);
  cmd.set_value("/bin/true");
  cmd.add_arguments("true");
  auto a = calls::task_from_offer(offer, "job", cmd, 0.25, 64);
  auto b = calls::task_from_offer(offer, "job", cmd, 0.25, 64);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->task_id().value().rfind("job-", 0), 0u) << a->task_id().value();
  EXPECT_NE(a->task_id().value(), b->task_id().value());
  EXPECT_EQ(a->agent_id().value(), "S7");
  EXPECT_TRUE(MessageDifferencer::Equals(a->command(), cmd));
  ASSERT_EQ(a->resources_size(), 2);  // no disk asked for, none taken
  for (const auto& r : a->resources()) EXPECT_EQ(r.allocation_info().role(), "batch");
  EXPECT_FALSE(calls::task_from_offer(offer, "job", cmd, 1.5, 64));
  EXPECT_FALSE(calls::task_from_offer(offer, "job", "x", 0.1, 65));
}

TEST(Helpers, TaskFromCapturedOfferMatchesTheCapturedLaunch) {
  // The captured session launched 0.1 cpus / 32 MB out of this offer.
  const auto offer = offer_from_text(R"pb(
    id { value: "a936efc3-37eb-496f-a668-0981b18c2def-O5" }
    framework_id { value: "a936efc3-37eb-496f-a668-0981b18c2def-0003" }
    agent_id { value: "61021e96-66e6-413c-80e1-1f198cc9e8fb-S0" }
    hostname: "127.0.0.1"
    resources {
      name: "cpus"
      type: SCALAR
      scalar { value: 2 }
      role: "*"
      allocation_info { role: "*" }
    }
    resources {
      name: "mem"
      type: SCALAR
      scalar { value: 4096 }
      role: "*"
      allocation_info { role: "*" }
    }
    allocation_info { role: "*" })pb");
  auto t = calls::task_from_offer(offer, "capture-task", "echo captured; sleep 1", 0.1, 32, 0, "capture-task-1");
  ASSERT_TRUE(t);
  auto call = calls::accept({offer.id()}, {ops::launch({*t})}, calls::filters(1));
  EXPECT_EQ(call.accept().operations(0).launch().task_infos(0).agent_id().value(),
            "61021e96-66e6-413c-80e1-1f198cc9e8fb-S0");
  std::string json;
  ASSERT_FALSE(mesoshttp::encode(call, mesoshttp::encoding::json, json));
  EXPECT_NE(json.find(R"("command":{"value":"echo captured; sleep 1","shell":true})"), std::string::npos) << json;
  EXPECT_NE(
      json.find(R"({"name":"cpus","type":"SCALAR","scalar":{"value":0.1},"role":"*","allocation_info":{"role":"*"}})"),
      std::string::npos)
      << json;
}

}  // namespace
