// The simulated master over real HTTP on 127.0.0.1: the scheduler API as a
// real Mesos 1.11 master answers it, in both encodings where bodies matter.
#include <set>

#include "sim_common.hpp"

// RECONCILE_OPERATIONS is deprecated in the schema, yet masters still answer it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using namespace simtest;
using mesoshttp::sim::cluster;
using mesoshttp::sim::cluster_config;

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

TEST_P(SimApi, SubscribeStreamsSubscribedHeartbeatThenOffers) {
  framework fw(port(), GetParam());
  const auto& head = fw.stream->head();
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("transfer-encoding"), "chunked");
  EXPECT_EQ(head.header("content-type"), mesoshttp::content_type(GetParam()));
  EXPECT_EQ(fw.stream_id().size(), 36u);
  EXPECT_FALSE(head.has("content-length"));

  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->framework_id().value(), fw.id);
  EXPECT_EQ(offer->allocation_info().role(), "*");
  std::map<std::string, mesos::v1::Resource> by_name;
  for (const auto& r : offer->resources()) {
    EXPECT_EQ(r.allocation_info().role(), "*");
    by_name[r.name()] = r;
  }
  ASSERT_EQ(by_name.size(), 4u);
  EXPECT_DOUBLE_EQ(by_name["cpus"].scalar().value(), 4);
  EXPECT_DOUBLE_EQ(by_name["mem"].scalar().value(), 8192);
  EXPECT_DOUBLE_EQ(by_name["disk"].scalar().value(), 65536);
  ASSERT_EQ(by_name["ports"].ranges().range_size(), 1);
  EXPECT_EQ(by_name["ports"].ranges().range(0).begin(), 31000u);
  ASSERT_EQ(offer->attributes_size(), 1);
  EXPECT_EQ(offer->attributes(0).name(), "rack");
  EXPECT_EQ(offer->attributes(0).text().value(), "r1");
  EXPECT_EQ(offer->hostname(), "agent-0");
  if (GetParam() == encoding::json) {
    // As a real master prints them: range bounds are JSON numbers.
    EXPECT_NE(fw.stream->raw().find(R"("begin":31000,"end":32000)"), std::string::npos);
  }
  // The first event was consumed by the helper; resubscribe to inspect it.
  event_stream s(port(), encode_call(subscribe_call("inspect"), GetParam()), GetParam(),
                 std::string(mesoshttp::content_type(GetParam())));
  auto subscribed = s.next();
  ASSERT_TRUE(subscribed);
  ASSERT_EQ(subscribed->type(), Event::SUBSCRIBED);
  const auto& sub = subscribed->subscribed();
  EXPECT_FALSE(sub.framework_id().value().empty());
  EXPECT_DOUBLE_EQ(sub.heartbeat_interval_seconds(), 0.2);
  const auto& mi = sub.master_info();
  EXPECT_EQ(mi.id().size(), 36u);
  EXPECT_EQ(mi.ip(), 16777343u);
  EXPECT_EQ(mi.port(), port());
  EXPECT_EQ(mi.hostname(), "127.0.0.1");
  EXPECT_EQ(mi.version(), "1.11.0");
  EXPECT_EQ(mi.address().ip(), "127.0.0.1");
  EXPECT_EQ(mi.address().port(), port());
  EXPECT_EQ(sub.framework_id().value().rfind(mi.id() + "-", 0), 0u);
  auto heartbeat = s.next();
  ASSERT_TRUE(heartbeat);
  EXPECT_EQ(heartbeat->type(), Event::HEARTBEAT);

}

TEST_P(SimApi, HeartbeatsKeepComing) {
  framework fw(port(), GetParam());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fw.next_of(Event::HEARTBEAT)) << i;
}

TEST_P(SimApi, NonSubscribeCallsNeedTheirFrameworkAndStream) {
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  Call revive;
  revive.set_type(Call::REVIVE);
  revive.mutable_framework_id()->set_value(fw.id);
  const std::string body = encode_call(revive, GetParam());

  auto r = post(port(), body, call_headers(GetParam(), ""));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");

  r = post(port(), body, call_headers(GetParam(), "not-the-stream"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "The stream ID 'not-the-stream' included in this request didn't match the "
                     "stream ID currently associated with framework ID '" + fw.id + "'");

  revive.mutable_framework_id()->set_value("no-such-framework");
  for (const std::string sid : {"", "x"}) {
    r = post(port(), encode_call(revive, GetParam()), call_headers(GetParam(), sid));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
    EXPECT_EQ(r->body, "Framework cannot be found");
  }
  r = fw.call(revive);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202u);
  EXPECT_TRUE(r->body.empty());
}

TEST_P(SimApi, CallsTheMasterIgnoresAre202) {
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  Call decline;
  decline.set_type(Call::DECLINE);
  decline.mutable_decline()->add_offer_ids()->set_value("unknown-offer");
  Call accept;
  accept.set_type(Call::ACCEPT);
  accept.mutable_accept();
  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("unknown-task");
  Call message;
  message.set_type(Call::MESSAGE);
  message.mutable_message()->mutable_agent_id()->set_value("unknown-agent");
  message.mutable_message()->mutable_executor_id()->set_value("e");
  message.mutable_message()->set_data("hi");
  Call suppress;
  suppress.set_type(Call::SUPPRESS);
  Call reconcile;
  reconcile.set_type(Call::RECONCILE);
  reconcile.mutable_reconcile();
  for (const Call& c : {decline, accept, kill, message, suppress, reconcile}) {
    auto r = fw.call(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202u) << Call::Type_Name(c.type());
  }
  // KILL of an unknown task is answered by reconciliation.
  auto lost = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->update().status().task_id().value(), "unknown-task");
  EXPECT_EQ(lost->update().status().state(), mesos::v1::TASK_LOST);
}

TEST_P(SimApi, UpdateFrameworkAndReconcileOperationsAnswer200) {
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  Call update;
  update.set_type(Call::UPDATE_FRAMEWORK);
  auto* info = update.mutable_update_framework()->mutable_framework_info();
  info->set_user("tester");
  info->set_name("renamed");
  info->mutable_id()->set_value(fw.id);
  auto r = fw.call(update);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_TRUE(r->body.empty());
  ASSERT_EQ(sim->frameworks().size(), 1u);
  EXPECT_EQ(sim->frameworks()[0].name, "renamed");

  Call ops;
  ops.set_type(Call::RECONCILE_OPERATIONS);
  ops.mutable_reconcile_operations();
  r = fw.call(ops);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("content-type"), mesoshttp::content_type(GetParam()));
  mesos::v1::scheduler::Response response;
  ASSERT_FALSE(mesoshttp::decode(r->body, GetParam(), response));
  EXPECT_EQ(response.type(), mesos::v1::scheduler::Response::RECONCILE_OPERATIONS);
}

TEST_P(SimApi, LaunchedTaskRunsToFinishedAndIsForgottenAfterAcks) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  auto r = fw.call(launch_call(*offer, "t1", 0.5, 64));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202u);
  std::vector<mesos::v1::TaskState> states;
  for (int i = 0; i < 3; ++i) {
    auto u = fw.next_of(Event::UPDATE);
    ASSERT_TRUE(u);
    const auto& s = u->update().status();
    EXPECT_EQ(s.task_id().value(), "t1");
    EXPECT_EQ(s.uuid().size(), 16u);
    EXPECT_EQ(s.source(), mesos::v1::TaskStatus::SOURCE_EXECUTOR);
    EXPECT_EQ(s.agent_id().value(), offer->agent_id().value());
    EXPECT_EQ(s.executor_id().value(), "t1");
    states.push_back(s.state());
    if (s.state() == mesos::v1::TASK_FINISHED) {
      EXPECT_EQ(s.message(), "Command exited with status 0");
    }
    auto ack = fw.acknowledge(s);
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->status, 202u);
  }
  EXPECT_EQ(states, (std::vector<mesos::v1::TaskState>{
                        mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING,
                        mesos::v1::TASK_FINISHED}));
  ASSERT_TRUE(eventually([&] { return sim->tasks().empty(); }));

  Call reconcile;
  reconcile.set_type(Call::RECONCILE);
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("t1");
  ASSERT_EQ(fw.call(reconcile)->status, 202u);
  auto lost = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(lost);
  const auto& s = lost->update().status();
  EXPECT_EQ(s.state(), mesos::v1::TASK_LOST);
  EXPECT_EQ(s.reason(), mesos::v1::TaskStatus::REASON_RECONCILIATION);
  EXPECT_EQ(s.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
  EXPECT_EQ(s.message(), "Reconciliation: Task is unknown");
  EXPECT_FALSE(s.has_uuid());
}

TEST_P(SimApi, TaskThatDoesNotFitGetsTaskError) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  ASSERT_EQ(fw.call(launch_call(*offer, "big", 100, 64))->status, 202u);
  auto u = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(u);
  const auto& s = u->update().status();
  EXPECT_EQ(s.state(), mesos::v1::TASK_ERROR);
  EXPECT_EQ(s.reason(), mesos::v1::TaskStatus::REASON_TASK_INVALID);
  EXPECT_EQ(s.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
  EXPECT_NE(s.message().find("more resources"), std::string::npos) << s.message();
  EXPECT_FALSE(s.has_uuid()) << "a master's own update has nothing to acknowledge";
}

TEST_P(SimApi, AnOfferIsUsableOnce) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  ASSERT_EQ(fw.call(launch_call(*offer, "a", 0.1, 16))->status, 202u);
  ASSERT_EQ(fw.call(launch_call(*offer, "b", 0.1, 16))->status, 202u);
  for (;;) {
    auto u = fw.next_of(Event::UPDATE);
    ASSERT_TRUE(u);
    if (u->update().status().task_id().value() != "b") continue;
    EXPECT_EQ(u->update().status().state(), mesos::v1::TASK_LOST);
    EXPECT_EQ(u->update().status().reason(), mesos::v1::TaskStatus::REASON_INVALID_OFFERS);
    EXPECT_EQ(u->update().status().message(),
              "Task launched with invalid offers: Offer " + offer->id().value() +
                  " is no longer valid");
    break;
  }
}

TEST_P(SimApi, DeclineFilterHoldsUntilRevive) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  Call decline;
  decline.set_type(Call::DECLINE);
  decline.mutable_decline()->add_offer_ids()->CopyFrom(offer->id());
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(3600);
  ASSERT_EQ(fw.call(decline)->status, 202u);
  EXPECT_TRUE(eventually([&] { return sim->offers_outstanding() == 0; }));
  // Several heartbeats = many allocation rounds (50 ms) without an offer.
  for (int i = 0; i < 4; ++i) {
    auto e = fw.stream->next();
    ASSERT_TRUE(e);
    if (e->type() == Event::HEARTBEAT) continue;
    ASSERT_NE(e->type(), Event::OFFERS) << "offered again despite the filter";
  }
  Call revive;
  revive.set_type(Call::REVIVE);
  ASSERT_EQ(fw.call(revive)->status, 202u);
  auto again = fw.offer();
  ASSERT_TRUE(again);
  EXPECT_NE(again->id().value(), offer->id().value());
}

TEST_P(SimApi, SuppressStopsOffersReviveResumes) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  Call suppress;
  suppress.set_type(Call::SUPPRESS);
  ASSERT_EQ(fw.call(suppress)->status, 202u);
  Call decline;
  decline.set_type(Call::DECLINE);
  decline.mutable_decline()->add_offer_ids()->CopyFrom(offer->id());
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(0);
  ASSERT_EQ(fw.call(decline)->status, 202u);
  for (int i = 0; i < 4; ++i) {
    auto e = fw.stream->next();
    ASSERT_TRUE(e);
    ASSERT_NE(e->type(), Event::OFFERS);
  }
  EXPECT_EQ(sim->frameworks().at(0).suppressed_roles, std::vector<std::string>{"*"});
  Call revive;
  revive.set_type(Call::REVIVE);
  ASSERT_EQ(fw.call(revive)->status, 202u);
  EXPECT_TRUE(fw.offer());
}

// A framework with the MULTI_ROLE capability and these roles.
Call multi_role_subscribe(const std::vector<std::string>& roles,
                          const std::vector<std::string>& suppressed = {}) {
  auto sub = subscribe_call("multi");
  auto* info = sub.mutable_subscribe()->mutable_framework_info();
  for (const auto& r : roles) info->add_roles(r);
  info->add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
  for (const auto& r : suppressed) sub.mutable_subscribe()->add_suppressed_roles(r);
  return sub;
}

// The role an offer is allocated to, checked to be the same on every resource.
std::string offer_role(const mesos::v1::Offer& offer) {
  for (const auto& r : offer.resources())
    EXPECT_EQ(r.allocation_info().role(), offer.allocation_info().role());
  return offer.allocation_info().role();
}

Call decline_call(const mesos::v1::Offer& offer, double refuse_seconds) {
  Call d;
  d.set_type(Call::DECLINE);
  d.mutable_decline()->add_offer_ids()->CopyFrom(offer.id());
  d.mutable_decline()->mutable_filters()->set_refuse_seconds(refuse_seconds);
  return d;
}

Call roles_call(Call::Type type, const std::vector<std::string>& roles) {
  Call c;
  c.set_type(type);
  for (const auto& r : roles) {
    if (type == Call::SUPPRESS) c.mutable_suppress()->add_roles(r);
    else c.mutable_revive()->add_roles(r);
  }
  return c;
}

// No OFFERS event during `heartbeats` heartbeats (many allocation rounds).
void expect_no_offers(framework& fw, int heartbeats = 4) {
  for (int i = 0; i < heartbeats;) {
    auto e = fw.stream->next();
    ASSERT_TRUE(e);
    ASSERT_NE(e->type(), Event::OFFERS) << "offered to " << offer_role(e->offers().offers(0));
    if (e->type() == Event::HEARTBEAT) ++i;
  }
}

TEST_P(SimApi, SuppressAndReviveArePerRole) {
  framework fw(port(), GetParam(), multi_role_subscribe({"a", "b"}, {"b"}));
  ASSERT_TRUE(fw.ok());
  ASSERT_EQ(sim->frameworks().size(), 1u);
  EXPECT_EQ(sim->frameworks()[0].roles, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sim->frameworks()[0].suppressed_roles, std::vector<std::string>{"b"});
  // Only the unsuppressed role is offered, however often it declines.
  for (int i = 0; i < 3; ++i) {
    auto offer = fw.offer();
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer_role(*offer), "a");
    if (i == 2) {
      ASSERT_EQ(fw.call(roles_call(Call::SUPPRESS, {"a"}))->status, 202u);
    }
    ASSERT_EQ(fw.call(decline_call(*offer, 0))->status, 202u);
  }
  EXPECT_EQ(sim->frameworks()[0].suppressed_roles, (std::vector<std::string>{"a", "b"}));
  expect_no_offers(fw);
  // Reviving "b" offers to "b" only.
  ASSERT_EQ(fw.call(roles_call(Call::REVIVE, {"b"}))->status, 202u);
  for (int i = 0; i < 3; ++i) {
    auto offer = fw.offer();
    ASSERT_TRUE(offer);
    EXPECT_EQ(offer_role(*offer), "b");
    ASSERT_EQ(fw.call(decline_call(*offer, 0))->status, 202u);
  }
  EXPECT_EQ(sim->frameworks()[0].suppressed_roles, std::vector<std::string>{"a"});
  // UPDATE_FRAMEWORK replaces the set: nothing suppressed, both roles offered.
  Call update;
  update.set_type(Call::UPDATE_FRAMEWORK);
  *update.mutable_update_framework()->mutable_framework_info() =
      multi_role_subscribe({"a", "b"}).subscribe().framework_info();
  update.mutable_update_framework()->mutable_framework_info()->mutable_id()->set_value(fw.id);
  ASSERT_EQ(fw.call(update)->status, 200u);
  EXPECT_TRUE(sim->frameworks()[0].suppressed_roles.empty());
  std::set<std::string> seen;
  for (int i = 0; i < 20 && seen.size() < 2; ++i) {
    auto offer = fw.offer();
    ASSERT_TRUE(offer);
    seen.insert(offer_role(*offer));
    ASSERT_EQ(fw.call(decline_call(*offer, 0))->status, 202u);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"a", "b"}));
  // A suppressed role the framework does not have is refused.
  update.mutable_update_framework()->add_suppressed_roles("c");
  auto r = fw.call(update);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "Suppressed role 'c' is not one of the framework's roles");
  EXPECT_TRUE(sim->frameworks()[0].suppressed_roles.empty());
  // ... and so is such a SUBSCRIBE: one ERROR event, then the stream ends.
  event_stream bad(port(), encode_call(multi_role_subscribe({"a"}, {"x"}), GetParam()),
                   GetParam(), std::string(mesoshttp::content_type(GetParam())));
  EXPECT_EQ(bad.head().status, 200u);
  auto error = bad.next();
  ASSERT_TRUE(error);
  ASSERT_EQ(error->type(), Event::ERROR);
  EXPECT_EQ(error->error().message(), "Suppressed role 'x' is not one of the framework's roles");
  EXPECT_TRUE(bad.wait_end());
  EXPECT_EQ(sim->frameworks().size(), 1u);
}

TEST_P(SimApi, ReviveClearsTheFiltersOfTheNamedRolesOnly) {
  framework fw(port(), GetParam(), multi_role_subscribe({"a", "b"}, {"b"}));
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer_role(*offer), "a");
  ASSERT_EQ(fw.call(decline_call(*offer, 3600))->status, 202u);
  expect_no_offers(fw);
  // "b" is revived and has no filter; "a" keeps its filter.
  ASSERT_EQ(fw.call(roles_call(Call::REVIVE, {"b"}))->status, 202u);
  for (int i = 0; i < 3; ++i) {
    auto next = fw.offer();
    ASSERT_TRUE(next);
    EXPECT_EQ(offer_role(*next), "b");
    ASSERT_EQ(fw.call(decline_call(*next, i == 2 ? 3600 : 0))->status, 202u);
  }
  expect_no_offers(fw);
  // REVIVE without roles clears every role's filters.
  Call revive;
  revive.set_type(Call::REVIVE);
  ASSERT_EQ(fw.call(revive)->status, 202u);
  std::set<std::string> seen;
  for (int i = 0; i < 20 && seen.size() < 2; ++i) {
    auto next = fw.offer();
    ASSERT_TRUE(next);
    seen.insert(offer_role(*next));
    ASSERT_EQ(fw.call(decline_call(*next, 0))->status, 202u);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"a", "b"}));
}

TEST_P(SimApi, KillAndImplicitReconcile) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  auto launch = launch_call(*offer, "forever", 0.1, 16);
  auto* label = launch.mutable_accept()->mutable_operations(0)->mutable_launch()
                    ->mutable_task_infos(0)->mutable_labels()->add_labels();
  label->set_key("mesos-sim/run-ms");
  label->set_value("0");
  ASSERT_EQ(fw.call(launch)->status, 202u);
  for (auto want : {mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING}) {
    auto u = fw.next_of(Event::UPDATE);
    ASSERT_TRUE(u);
    ASSERT_EQ(u->update().status().state(), want);
    fw.acknowledge(u->update().status());
  }
  Call reconcile;
  reconcile.set_type(Call::RECONCILE);
  reconcile.mutable_reconcile();
  ASSERT_EQ(fw.call(reconcile)->status, 202u);
  auto r = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->update().status().state(), mesos::v1::TASK_RUNNING);
  EXPECT_EQ(r->update().status().reason(), mesos::v1::TaskStatus::REASON_RECONCILIATION);
  EXPECT_FALSE(r->update().status().has_uuid());

  Call kill;
  kill.set_type(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("forever");
  ASSERT_EQ(fw.call(kill)->status, 202u);
  auto k = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->update().status().state(), mesos::v1::TASK_KILLED);
  EXPECT_EQ(k->update().status().uuid().size(), 16u);
}

TEST_P(SimApi, TeardownEndsStreamWithoutEventAndForgetsFramework) {
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.ok());
  Call teardown;
  teardown.set_type(Call::TEARDOWN);
  auto r = fw.call(teardown);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202u);
  for (;;) {
    auto e = fw.stream->next();
    if (!e) break;
    EXPECT_TRUE(e->type() == Event::HEARTBEAT || e->type() == Event::OFFERS)
        << Event::Type_Name(e->type());
  }
  EXPECT_TRUE(fw.stream->ended());
  EXPECT_TRUE(fw.stream->complete());
  Call revive;
  revive.set_type(Call::REVIVE);
  r = fw.call(revive);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "Framework cannot be found");
  EXPECT_TRUE(eventually([&] { return sim->subscribers() == 0; }));
}

TEST_P(SimApi, SecondSubscribeFailsOverTheOldStream) {
  framework first(port(), GetParam(), subscribe_call("fw", 3600));
  ASSERT_TRUE(first.ok());
  framework second(port(), GetParam(), subscribe_call("fw", 3600, first.id));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.id, first.id);
  EXPECT_NE(second.stream_id(), first.stream_id());
  auto error = first.next_of(Event::ERROR);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().message(), "Framework failed over");
  EXPECT_TRUE(first.stream->wait_end());
  Call revive;
  revive.set_type(Call::REVIVE);
  auto r = first.call(revive);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_NE(r->body.find("didn't match the stream ID"), std::string::npos);
  EXPECT_EQ(second.call(revive)->status, 202u);
}

TEST_P(SimApi, DisconnectedFrameworkIs403UntilItResubscribes) {
  auto fw = std::make_unique<framework>(port(), GetParam(), subscribe_call("fw", 3600));
  ASSERT_TRUE(fw->ok());
  const std::string id = fw->id;
  const std::string old_stream = fw->stream_id();
  fw->stream->close();
  ASSERT_TRUE(eventually([&] {
    auto f = sim->frameworks();
    return f.size() == 1 && !f[0].connected;
  }));
  Call revive;
  revive.set_type(Call::REVIVE);
  revive.mutable_framework_id()->set_value(id);
  auto r = post(port(), encode_call(revive, GetParam()), call_headers(GetParam(), old_stream));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403u);
  EXPECT_EQ(r->body, "Framework is not subscribed");
  framework again(port(), GetParam(), subscribe_call("fw", 3600, id));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.call(revive)->status, 202u);
}

TEST_P(SimApi, FailoverTimeoutZeroRemovesFrameworkAtOnce) {
  auto fw = std::make_unique<framework>(port(), GetParam());
  ASSERT_TRUE(fw->ok());
  fw->stream->close();
  ASSERT_TRUE(eventually([&] { return sim->frameworks().empty(); }));
  Call revive;
  revive.set_type(Call::REVIVE);
  auto r = fw->call(revive);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "Framework cannot be found");
}

TEST_P(SimApi, ReserveAndUnreserveChangeAgentResources) {
  auto sub = subscribe_call("reserver");
  sub.mutable_subscribe()->mutable_framework_info()->add_roles("dev");
  sub.mutable_subscribe()->mutable_framework_info()->add_capabilities()->set_type(
      mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
  framework fw(port(), GetParam(), sub);
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->allocation_info().role(), "dev");
  auto reserved = scalar("cpus", 1);
  auto* res = reserved.add_reservations();
  res->set_type(mesos::v1::Resource::ReservationInfo::DYNAMIC);
  res->set_role("dev");
  Call c;
  c.set_type(Call::ACCEPT);
  c.mutable_accept()->add_offer_ids()->CopyFrom(offer->id());
  auto* op = c.mutable_accept()->add_operations();
  op->set_type(mesos::v1::Offer::Operation::RESERVE);
  *op->mutable_reserve()->add_resources() = reserved;
  c.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
  ASSERT_EQ(fw.call(c)->status, 202u);
  const auto cpus_of = [&](bool want_reserved) {
    double total = 0;
    for (const auto& r : sim->agent_resources(0))
      if (r.name() == "cpus" && (r.reservations_size() > 0) == want_reserved)
        total += r.scalar().value();
    return total;
  };
  ASSERT_TRUE(eventually([&] { return cpus_of(true) == 1; }));
  EXPECT_DOUBLE_EQ(cpus_of(false), 3);
  // The reservation is offered back, to the role that owns it.
  bool seen = false;
  for (int i = 0; i < 5 && !seen; ++i) {
    auto next = fw.offer();
    ASSERT_TRUE(next);
    for (const auto& r : next->resources())
      if (r.name() == "cpus" && r.reservations_size() == 1 && r.reservations(0).role() == "dev")
        seen = true;
    if (seen) {
      Call un;
      un.set_type(Call::ACCEPT);
      un.mutable_accept()->add_offer_ids()->CopyFrom(next->id());
      auto* uop = un.mutable_accept()->add_operations();
      uop->set_type(mesos::v1::Offer::Operation::UNRESERVE);
      *uop->mutable_unreserve()->add_resources() = reserved;
      ASSERT_EQ(fw.call(un)->status, 202u);
    } else {
      Call d;
      d.set_type(Call::DECLINE);
      d.mutable_decline()->add_offer_ids()->CopyFrom(next->id());
      d.mutable_decline()->mutable_filters()->set_refuse_seconds(0);
      fw.call(d);
    }
  }
  ASSERT_TRUE(seen);
  EXPECT_TRUE(eventually([&] { return cpus_of(true) == 0 && cpus_of(false) == 4; }));
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimApi, ::testing::Values(encoding::json, encoding::protobuf),
                         enc_name);

// Updates are retried quickly here, so a resent update would show at once.
class SimApiRetry : public SimApi {
  void configure(cluster_config& cfg) override {
    cfg.status_update_retry = std::chrono::milliseconds(100);
  }
};

// Every UPDATE until the marker ERROR event sim->send_error_event() put after them.
std::vector<mesos::v1::TaskStatus> updates_until_marker(framework& fw, cluster& sim) {
  // Many retry periods, then a marker behind anything resent meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  sim.send_error_event("marker");
  std::vector<mesos::v1::TaskStatus> out;
  for (;;) {
    auto e = fw.stream->next();
    if (!e) {
      ADD_FAILURE() << "no marker";
      return out;
    }
    if (e->type() == Event::ERROR && e->error().message() == "marker") return out;
    if (e->type() == Event::UPDATE) out.push_back(e->update().status());
  }
}

TEST_P(SimApiRetry, MasterGeneratedUpdatesHaveNoUuidAndAreNotResent) {
  framework fw(port(), GetParam());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  // TASK_ERROR (does not fit), TASK_LOST (offer used up), TASK_LOST (reconciliation).
  ASSERT_EQ(fw.call(launch_call(*offer, "too-big", 100, 64))->status, 202u);
  ASSERT_EQ(fw.call(launch_call(*offer, "stale-offer", 0.1, 16))->status, 202u);
  Call reconcile;
  reconcile.set_type(Call::RECONCILE);
  reconcile.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value("ghost");
  ASSERT_EQ(fw.call(reconcile)->status, 202u);
  const auto updates = updates_until_marker(fw, *sim);
  std::map<std::string, mesos::v1::TaskState> seen;
  for (const auto& s : updates) {
    EXPECT_FALSE(s.has_uuid()) << s.task_id().value();
    EXPECT_EQ(s.source(), mesos::v1::TaskStatus::SOURCE_MASTER);
    EXPECT_TRUE(seen.emplace(s.task_id().value(), s.state()).second)
        << "sent twice: " << s.task_id().value();
  }
  EXPECT_EQ(seen, (std::map<std::string, mesos::v1::TaskState>{
                      {"too-big", mesos::v1::TASK_ERROR},
                      {"stale-offer", mesos::v1::TASK_LOST},
                      {"ghost", mesos::v1::TASK_LOST}}));

  // A PARTITION_AWARE framework hears TASK_DROPPED and TASK_UNKNOWN instead.
  auto sub = subscribe_call("aware");
  sub.mutable_subscribe()->mutable_framework_info()->add_capabilities()->set_type(
      mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE);
  framework aware(port(), GetParam(), sub);
  ASSERT_TRUE(aware.ok());
  ASSERT_EQ(aware.call(launch_call(*offer, "dropped", 0.1, 16))->status, 202u);
  ASSERT_EQ(aware.call(reconcile)->status, 202u);
  std::map<std::string, mesos::v1::TaskState> aware_seen;
  for (const auto& s : updates_until_marker(aware, *sim)) {
    EXPECT_FALSE(s.has_uuid()) << s.task_id().value();
    EXPECT_TRUE(aware_seen.emplace(s.task_id().value(), s.state()).second)
        << "sent twice: " << s.task_id().value();
  }
  EXPECT_EQ(aware_seen, (std::map<std::string, mesos::v1::TaskState>{
                            {"dropped", mesos::v1::TASK_DROPPED},
                            {"ghost", mesos::v1::TASK_UNKNOWN}}));
}

// Every event until the marker ERROR event sim->send_error_event() put after them.
// `wait` first: many retry periods, so anything resent is before the marker.
std::vector<Event> events_until_marker(
    framework& fw, cluster& sim, std::chrono::milliseconds wait = std::chrono::milliseconds(800)) {
  std::this_thread::sleep_for(wait);
  sim.send_error_event("marker");
  std::vector<Event> out;
  for (;;) {
    auto e = fw.stream->next();
    if (!e) {
      ADD_FAILURE() << "no marker";
      return out;
    }
    if (e->type() == Event::ERROR && e->error().message() == "marker") return out;
    out.push_back(std::move(*e));
  }
}

mesos::v1::Resource reserved_disk(double mb, const std::string& role) {
  auto r = scalar("disk", mb);
  auto* res = r.add_reservations();
  res->set_type(mesos::v1::Resource::ReservationInfo::DYNAMIC);
  res->set_role(role);
  return r;
}

mesos::v1::Resource volume(double mb, const std::string& role) {
  auto r = reserved_disk(mb, role);
  r.mutable_disk()->mutable_persistence()->set_id("vol-1");
  r.mutable_disk()->mutable_volume()->set_container_path("data");
  r.mutable_disk()->mutable_volume()->set_mode(mesos::v1::Volume::RW);
  return r;
}

using Operation = mesos::v1::Offer::Operation;

Operation with_id(Operation op, const std::string& id) {
  op.mutable_id()->set_value(id);
  return op;
}

Call accept_ops(const mesos::v1::Offer& offer, const std::vector<Operation>& ops) {
  Call c;
  c.set_type(Call::ACCEPT);
  c.mutable_accept()->add_offer_ids()->CopyFrom(offer.id());
  for (const auto& op : ops) *c.mutable_accept()->add_operations() = op;
  c.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
  return c;
}

Call reconcile_operations(const std::vector<std::string>& ids) {
  Call c;
  c.set_type(Call::RECONCILE_OPERATIONS);
  auto* r = c.mutable_reconcile_operations();
  for (const auto& id : ids) r->add_operations()->mutable_operation_id()->set_value(id);
  return c;
}

std::map<std::string, mesos::v1::OperationState> reconciled(framework& fw,
                                                           const std::vector<std::string>& ids) {
  std::map<std::string, mesos::v1::OperationState> out;
  auto r = fw.call(reconcile_operations(ids));
  EXPECT_TRUE(r);
  if (!r) return out;
  EXPECT_EQ(r->status, 200u);
  mesos::v1::scheduler::Response response;
  EXPECT_FALSE(mesoshttp::decode(r->body, fw.enc, response));
  for (const auto& s : response.reconcile_operations().operation_statuses()) {
    EXPECT_FALSE(s.has_uuid()) << "reconciliation is not acknowledged";
    out[s.operation_id().value()] = s.state();
  }
  return out;
}

TEST_P(SimApiRetry, OperationsWithIdsGetStatusUpdatesUntilAcknowledged) {
  framework fw(port(), GetParam(), multi_role_subscribe({"dev"}));
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  Operation reserve;
  reserve.set_type(Operation::RESERVE);
  *reserve.mutable_reserve()->add_resources() = reserved_disk(1500, "dev");
  Operation create;
  create.set_type(Operation::CREATE);
  *create.mutable_create()->add_volumes() = volume(1000, "dev");
  Operation grow;
  grow.set_type(Operation::GROW_VOLUME);
  *grow.mutable_grow_volume()->mutable_volume() = volume(1000, "dev");
  *grow.mutable_grow_volume()->mutable_addition() = reserved_disk(500, "dev");
  Operation shrink;
  shrink.set_type(Operation::SHRINK_VOLUME);
  *shrink.mutable_shrink_volume()->mutable_volume() = volume(1500, "dev");
  shrink.mutable_shrink_volume()->mutable_subtract()->set_value(200);
  Operation too_much = shrink;
  too_much.mutable_shrink_volume()->mutable_subtract()->set_value(5000);
  Operation create_disk;
  create_disk.set_type(Operation::CREATE_DISK);
  *create_disk.mutable_create_disk()->mutable_source() = scalar("disk", 100);
  create_disk.mutable_create_disk()->set_target_type(mesos::v1::Resource::DiskInfo::Source::MOUNT);
  auto launch = launch_call(*offer, "with-id", 0.1, 16).accept().operations(0);
  ASSERT_EQ(fw.call(accept_ops(*offer, {with_id(reserve, "reserve"), with_id(create, "create"),
                                        with_id(grow, "grow"), with_id(shrink, "shrink"),
                                        with_id(too_much, "too-much"),
                                        with_id(create_disk, "create-disk"),
                                        with_id(launch, "launch")}))->status,
            202u);

  // FINISHED (with a uuid, resent with the same uuid) or ERROR (without, once).
  std::map<std::string, std::vector<mesos::v1::OperationStatus>> statuses;
  std::vector<std::string> task_errors;
  for (const auto& e : events_until_marker(fw, *sim)) {
    if (e.type() == Event::UPDATE_OPERATION_STATUS) {
      const auto& st = e.update_operation_status().status();
      statuses[st.operation_id().value()].push_back(st);
    } else if (e.type() == Event::UPDATE) {
      task_errors.push_back(e.update().status().task_id().value());
      EXPECT_EQ(e.update().status().state(), mesos::v1::TASK_ERROR);
    }
  }
  EXPECT_EQ(task_errors, std::vector<std::string>{"with-id"});
  for (const std::string id : {"reserve", "create", "grow", "shrink"}) {
    const auto& list = statuses[id];
    ASSERT_GE(list.size(), 2u) << id << " was not resent";
    for (const auto& st : list) {
      EXPECT_EQ(st.state(), mesos::v1::OPERATION_FINISHED) << id << ": " << st.message();
      EXPECT_EQ(st.uuid().value().size(), 16u) << id;
      EXPECT_EQ(st.uuid().value(), list[0].uuid().value()) << id;
      EXPECT_EQ(st.agent_id().value(), offer->agent_id().value()) << id;
    }
  }
  for (const std::string id : {"too-much", "create-disk", "launch"}) {
    const auto& list = statuses[id];
    ASSERT_EQ(list.size(), 1u) << id;
    EXPECT_EQ(list[0].state(), mesos::v1::OPERATION_ERROR) << id;
    EXPECT_FALSE(list[0].has_uuid()) << id;
    EXPECT_FALSE(list[0].message().empty()) << id;
  }
  EXPECT_NE(statuses["too-much"][0].message().find("'subtract'"), std::string::npos);
  EXPECT_NE(statuses["create-disk"][0].message().find("resource provider"), std::string::npos);
  // The shrunk volume's converted resources: 1300 MB volume + 200 MB freed.
  double volume_mb = 0;
  double freed_mb = 0;
  for (const auto& r : statuses["shrink"][0].converted_resources()) {
    EXPECT_EQ(r.allocation_info().role(), "dev");
    (r.has_disk() ? volume_mb : freed_mb) += r.scalar().value();
  }
  EXPECT_DOUBLE_EQ(volume_mb, 1300);
  EXPECT_DOUBLE_EQ(freed_mb, 200);
  // The agent's resources changed accordingly.
  double agent_volume = 0;
  double agent_reserved = 0;
  double agent_plain = 0;
  for (const auto& r : sim->agent_resources(0)) {
    if (r.name() != "disk") continue;
    if (r.has_disk()) agent_volume += r.scalar().value();
    else if (r.reservations_size() > 0) agent_reserved += r.scalar().value();
    else agent_plain += r.scalar().value();
  }
  EXPECT_DOUBLE_EQ(agent_volume, 1300);
  EXPECT_DOUBLE_EQ(agent_reserved, 200);
  EXPECT_DOUBLE_EQ(agent_plain, 65536 - 1500);

  // Reconciliation reports the latest states, without uuids.
  using states = std::map<std::string, mesos::v1::OperationState>;
  EXPECT_EQ(reconciled(fw, {}), (states{{"reserve", mesos::v1::OPERATION_FINISHED},
                                        {"create", mesos::v1::OPERATION_FINISHED},
                                        {"grow", mesos::v1::OPERATION_FINISHED},
                                        {"shrink", mesos::v1::OPERATION_FINISHED}}));
  EXPECT_EQ(reconciled(fw, {"grow", "too-much", "nope"}),
            (states{{"grow", mesos::v1::OPERATION_FINISHED},
                    {"too-much", mesos::v1::OPERATION_UNKNOWN},
                    {"nope", mesos::v1::OPERATION_UNKNOWN}}));
  EXPECT_EQ(sim->operations().size(), 4u);

  // Acknowledged (a wrong uuid does not count), an operation is forgotten.
  for (const std::string id : {"reserve", "create", "grow", "shrink"}) {
    const auto& st = statuses[id][0];
    Call ack;
    ack.set_type(Call::ACKNOWLEDGE_OPERATION_STATUS);
    auto* a = ack.mutable_acknowledge_operation_status();
    a->mutable_agent_id()->CopyFrom(st.agent_id());
    a->mutable_operation_id()->CopyFrom(st.operation_id());
    a->set_uuid(std::string(16, 'x'));
    ASSERT_EQ(fw.call(ack)->status, 202u);
    if (id == "reserve") {
      EXPECT_EQ(sim->operations().size(), 4u) << "acknowledged with a wrong uuid";
    }
    a->set_uuid(st.uuid().value());
    ASSERT_EQ(fw.call(ack)->status, 202u);
  }
  EXPECT_TRUE(sim->operations().empty());
  EXPECT_EQ(reconciled(fw, {"reserve"}), (states{{"reserve", mesos::v1::OPERATION_UNKNOWN}}));
  events_until_marker(fw, *sim, std::chrono::milliseconds(0));  // resent before the acks
  for (const auto& e : events_until_marker(fw, *sim)) {
    EXPECT_NE(e.type(), Event::UPDATE_OPERATION_STATUS)
        << "resent after the acknowledgement: "
        << e.update_operation_status().status().operation_id().value();
  }
}

TEST_P(SimApi, OperationsWithoutIdsAreSilentAndInvalidOnesDropped) {
  framework fw(port(), GetParam(), multi_role_subscribe({"dev"}));
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  Operation reserve;
  reserve.set_type(Operation::RESERVE);
  *reserve.mutable_reserve()->add_resources() = reserved_disk(100, "dev");
  Operation grow_nothing;  // no such volume
  grow_nothing.set_type(Operation::GROW_VOLUME);
  *grow_nothing.mutable_grow_volume()->mutable_volume() = volume(10, "dev");
  *grow_nothing.mutable_grow_volume()->mutable_addition() = reserved_disk(10, "dev");
  Operation destroy_disk;
  destroy_disk.set_type(Operation::DESTROY_DISK);
  *destroy_disk.mutable_destroy_disk()->mutable_source() = scalar("disk", 10);
  ASSERT_EQ(fw.call(accept_ops(*offer, {reserve, grow_nothing, destroy_disk}))->status, 202u);
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : sim->agent_resources(0))
      if (r.name() == "disk" && r.reservations_size() > 0 && !r.has_disk()) return true;
    return false;
  }));
  for (const auto& r : sim->agent_resources(0)) EXPECT_FALSE(r.has_disk()) << "no volume grew";
  for (const auto& e : events_until_marker(fw, *sim))
    EXPECT_NE(e.type(), Event::UPDATE_OPERATION_STATUS);
  EXPECT_TRUE(sim->operations().empty());
}

using inverse_status = cluster::inverse_offer_record::status;

std::map<std::string, inverse_status> inverse_states(const cluster& sim) {
  std::map<std::string, inverse_status> out;
  for (const auto& r : sim.inverse_offers()) out[r.id] = r.state;
  return out;
}

TEST_P(SimApi, MaintenanceSendsInverseOffersToFrameworksUsingTheAgent) {
  framework one(port(), GetParam(), subscribe_call("one"));
  auto offer = one.offer();
  ASSERT_TRUE(offer);
  EXPECT_FALSE(offer->has_unavailability());
  framework two(port(), GetParam(), subscribe_call("two"));
  ASSERT_TRUE(two.ok());
  const auto start = std::chrono::system_clock::now() + std::chrono::hours(1);
  const auto start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  sim->schedule_maintenance(0, start, std::chrono::hours(2));
  // "one" holds an offer of the agent.
  auto inverse = one.next_of(Event::INVERSE_OFFERS);
  ASSERT_TRUE(inverse);
  ASSERT_EQ(inverse->inverse_offers().inverse_offers_size(), 1);
  const auto first = inverse->inverse_offers().inverse_offers(0);
  EXPECT_FALSE(first.id().value().empty());
  EXPECT_EQ(first.framework_id().value(), one.id);
  EXPECT_EQ(first.agent_id().value(), offer->agent_id().value());
  EXPECT_EQ(first.unavailability().start().nanoseconds(), start_ns);
  EXPECT_EQ(first.unavailability().duration().nanoseconds(),
            std::chrono::nanoseconds(std::chrono::hours(2)).count());
  EXPECT_EQ(first.resources_size(), 0) << "the whole agent";
  EXPECT_EQ(inverse_states(*sim),
            (std::map<std::string, inverse_status>{{first.id().value(), inverse_status::outstanding}}));
  // "two" uses the agent only once "one" leaves it: its offer says the agent
  // is going away, then its own inverse offer comes.
  ASSERT_EQ(one.call(decline_call(*offer, 3600))->status, 202u);
  auto offer2 = two.offer();
  ASSERT_TRUE(offer2);
  ASSERT_TRUE(offer2->has_unavailability());
  EXPECT_EQ(offer2->unavailability().start().nanoseconds(), start_ns);
  auto inverse2 = two.next_of(Event::INVERSE_OFFERS);
  ASSERT_TRUE(inverse2);
  ASSERT_EQ(inverse2->inverse_offers().inverse_offers_size(), 1);
  const auto second = inverse2->inverse_offers().inverse_offers(0);
  EXPECT_EQ(second.framework_id().value(), two.id);
  EXPECT_NE(second.id().value(), first.id().value());

  Call accept;
  accept.set_type(Call::ACCEPT_INVERSE_OFFERS);
  accept.mutable_accept_inverse_offers()->add_inverse_offer_ids()->CopyFrom(first.id());
  // Another framework's inverse offer is not answered by "one".
  accept.mutable_accept_inverse_offers()->add_inverse_offer_ids()->CopyFrom(second.id());
  auto r = one.call(accept);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202u);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(inverse_states(*sim),
            (std::map<std::string, inverse_status>{{first.id().value(), inverse_status::accepted},
                                                   {second.id().value(), inverse_status::outstanding}}));
  // Cancelled: the unanswered one is rescinded, the answered one is not.
  sim->cancel_maintenance(0);
  auto rescind = two.next_of(Event::RESCIND_INVERSE_OFFER);
  ASSERT_TRUE(rescind);
  EXPECT_EQ(rescind->rescind_inverse_offer().inverse_offer_id().value(), second.id().value());
  EXPECT_EQ(inverse_states(*sim),
            (std::map<std::string, inverse_status>{{first.id().value(), inverse_status::accepted},
                                                   {second.id().value(), inverse_status::rescinded}}));
  for (const auto& e : events_until_marker(one, *sim, std::chrono::milliseconds(0)))
    EXPECT_NE(e.type(), Event::RESCIND_INVERSE_OFFER);
  // Offers no longer carry the unavailability.
  ASSERT_EQ(two.call(decline_call(*offer2, 0))->status, 202u);
  for (;;) {
    auto e = two.next_of(Event::OFFERS);
    ASSERT_TRUE(e);
    if (e->offers().offers(0).id().value() == offer2->id().value()) continue;
    EXPECT_FALSE(e->offers().offers(0).has_unavailability());
    break;
  }
}

TEST_P(SimApi, MaintenanceThroughTheControlEndpoint) {
  framework fw(port(), GetParam());
  ASSERT_TRUE(fw.offer());
  const header_list json{{"Content-Type", "application/json"}};
  auto r = post(port(), R"({"fault":"schedule_maintenance","agent":0,"start_s":2000000000,)"
                        R"("duration_s":60})", json, "/sim/fault");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  auto inverse = fw.next_of(Event::INVERSE_OFFERS);
  ASSERT_TRUE(inverse);
  const auto io = inverse->inverse_offers().inverse_offers(0);
  EXPECT_EQ(io.unavailability().start().nanoseconds(), 2000000000LL * 1000000000LL);
  EXPECT_EQ(io.unavailability().duration().nanoseconds(), 60LL * 1000000000LL);
  connection c(port());
  auto state = c.request("GET", "/sim/state", "", {});
  ASSERT_TRUE(state);
  EXPECT_NE(state->body.find("\"inverse_offers\":1"), std::string::npos) << state->body;
  Call decline;
  decline.set_type(Call::DECLINE_INVERSE_OFFERS);
  decline.mutable_decline_inverse_offers()->add_inverse_offer_ids()->CopyFrom(io.id());
  decline.mutable_decline_inverse_offers()->add_inverse_offer_ids()->set_value("unknown");
  ASSERT_EQ(fw.call(decline)->status, 202u);
  EXPECT_EQ(inverse_states(*sim),
            (std::map<std::string, inverse_status>{{io.id().value(), inverse_status::declined}}));
  state = c.request("GET", "/sim/state", "", {});
  ASSERT_TRUE(state);
  EXPECT_NE(state->body.find("\"inverse_offers\":0"), std::string::npos) << state->body;
  r = c.request("POST", "/sim/fault", R"({"fault":"schedule_maintenance","agent":5})", json);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "No agent 5");
  r = c.request("POST", "/sim/fault", R"({"fault":"cancel_maintenance","agent":0})", json);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(inverse_states(*sim),
            (std::map<std::string, inverse_status>{{io.id().value(), inverse_status::declined}}));
  EXPECT_THROW(sim->schedule_maintenance(9, std::chrono::system_clock::now(),
                                         std::chrono::hours(1)),
               std::out_of_range);
}

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
      {{{not_exists(on(Selector::ZONE))}}, {"web-1", "db-1", "gpu-1"}},  // no fault domain
      {{{equals(on("rack"), "r1")}, {equals(on("os"), "bsd")}}, {"web-1", "gpu-1"}},  // or
      {{{equals(on("os"), "linux"), not_equals(on("rack"), "r1")}}, {"db-1"}},       // and
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
  *update.mutable_update_framework()->mutable_framework_info() =
      sub.subscribe().framework_info();
  update.mutable_update_framework()->mutable_framework_info()->mutable_id()->set_value(fw.id);
  *update.mutable_update_framework()->mutable_offer_constraints() =
      constraints({{"a", {{equals(on("rack"), "r2")}}}});
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
  event_stream bad(port(), encode_call(sub, GetParam()), GetParam(),
                   std::string(mesoshttp::content_type(GetParam())));
  EXPECT_EQ(bad.head().status, 200u);
  auto error = bad.next();
  ASSERT_TRUE(error);
  ASSERT_EQ(error->type(), Event::ERROR);
  EXPECT_NE(error->error().message().find("regex '*' does not compile"), std::string::npos)
      << error->error().message();
  EXPECT_TRUE(bad.wait_end());
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimConstraints,
                         ::testing::Values(encoding::json, encoding::protobuf), enc_name);

INSTANTIATE_TEST_SUITE_P(Encodings, SimApiRetry,
                         ::testing::Values(encoding::json, encoding::protobuf), enc_name);

// ------------------------------------------------------------ not encoding-specific

// Proto2 strings carry any bytes. A framework that sends calls in protobuf
// but reads JSON (Accept and Content-Type are independent) may name a task or
// an operation with bytes that are not UTF-8; the master's JSON must still
// parse, so those bytes come back as '?', and the event is not lost.
TEST(SimText, TextThatIsNotUtf8ComesBackAsQuestionMarksInJson) {
  auto cfg = fast_config();
  cfg.agents.push_back({"", 4, 8192, 65536, {{31000, 32000}}, {}});
  cluster sim(cfg);
  sim.start();
  framework fw(sim.port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  auto offer = fw.offer();
  ASSERT_TRUE(offer);

  Call launch = launch_call(*offer, "t\xff", 0.5, 64);
  launch.mutable_framework_id()->set_value(fw.id);
  header_list protobuf_in_json_out{{"Content-Type", "application/x-protobuf"},
                                   {"Accept", "application/json"},
                                   {"Mesos-Stream-Id", fw.stream_id()}};
  auto r = post(sim.port(0), encode_call(launch, encoding::protobuf), protobuf_in_json_out);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202u) << r->body;
  auto update = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(update) << "decode errors: " << fw.stream->decode_errors();
  EXPECT_EQ(update->update().status().task_id().value(), "t?");
  EXPECT_EQ(fw.stream->decode_errors(), 0u);

  Call ops = reconcile_operations({"op\xc3"});
  ops.mutable_framework_id()->set_value(fw.id);
  r = post(sim.port(0), encode_call(ops, encoding::protobuf), protobuf_in_json_out);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u) << r->body;
  EXPECT_EQ(r->header("content-type"), "application/json");
  mesos::v1::scheduler::Response response;
  std::string why;
  ASSERT_FALSE(mesoshttp::decode(r->body, encoding::json, response, &why)) << why << ": " << r->body;
  ASSERT_EQ(response.reconcile_operations().operation_statuses_size(), 1);
  EXPECT_EQ(response.reconcile_operations().operation_statuses(0).operation_id().value(), "op?");
}

class SimSingle : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = fast_config();
    cfg.max_body_size = 4096;
    cfg.status_update_retry = std::chrono::milliseconds(100);
    cfg.offer_timeout = std::chrono::milliseconds(300);
    sim = std::make_unique<cluster>(cfg);
    sim->start();
  }
  std::unique_ptr<cluster> sim;
};

TEST_F(SimSingle, SubscribeWithoutAcceptStreamsJsonAndInternalPathWorks) {
  event_stream s(sim->port(0), encode_call(subscribe_call(), encoding::protobuf),
                 encoding::protobuf);
  EXPECT_EQ(s.head().status, 200u);
  EXPECT_EQ(s.head().header("content-type"), "application/json");
  auto e = s.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), Event::SUBSCRIBED);

  auto r = post(sim->port(0), encode_call(subscribe_call(), encoding::json),
                {{"Content-Type", "application/json"}, {"Accept", "text/plain"}},
                "/master/api/v1/scheduler");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 406u);
}

TEST_F(SimSingle, WrongMethodsPathsAndHeadersOverTheWire) {
  connection c(sim->port(0));
  auto r = c.request("GET", "/api/v1/scheduler", "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405u);
  EXPECT_EQ(r->header("allow"), "POST");
  r = c.request("POST", "/api/v1/scheduler", "{}", {{"Accept", "application/json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "Expecting 'Content-Type' to be present");
  r = c.request("POST", "/api/v1/scheduler", "x=1",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415u);
  r = c.request("GET", "/nothing/here", "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  r = c.request("POST", "/api/v1/scheduler",
                encode_call(subscribe_call(), encoding::json),
                {{"Content-Type", "application/json"}, {"Mesos-Stream-Id", "x"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
}

TEST_F(SimSingle, EveryNotFoundHasTheMastersTextBody) {
  connection c(sim->port(0));
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/nothing/here"},          {"POST", "/nothing/here"},
      {"GET", "/"},                      {"POST", "/api/v1/scheduler/extra"},
      {"POST", "/api/v1"},               {"GET", "/sim/no-such-control"},
      {"POST", "/sim/no-such-control"},  {"GET", "/master/api/v1/scheduler/x?y=1"}};
  for (const auto& [method, target] : requests) {
    auto r = c.request(method, target, method == "POST" ? "{}" : "",
                       {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r) << method << " " << target;
    EXPECT_EQ(r->status, 404u) << method << " " << target;
    EXPECT_EQ(r->body, "404 Not Found.") << method << " " << target;
    EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8") << method << " " << target;
  }
}

TEST_F(SimSingle, OversizedAndMalformedRequestsGet4xxAndServerSurvives) {
  auto r = post(sim->port(0), std::string(10000, 'x'), {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413u);
  {
    connection c(sim->port(0));
    c.send_raw("THIS IS NOT HTTP\r\n\r\n");
    auto bad = c.read_reply();
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400u);
    EXPECT_TRUE(c.closed_by_peer());
  }
  r = post(sim->port(0), "{", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
}

TEST_F(SimSingle, UnacknowledgedUpdateIsResentWithTheSameUuid) {
  framework fw(sim->port(0), encoding::json);
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  ASSERT_EQ(fw.call(launch_call(*offer, "t", 0.1, 16))->status, 202u);
  auto first = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(first);
  auto again = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->update().status().state(), first->update().status().state());
  EXPECT_EQ(again->update().status().uuid(), first->update().status().uuid());
  fw.acknowledge(first->update().status());
  auto next = fw.next_of(Event::UPDATE);
  ASSERT_TRUE(next);
  EXPECT_NE(next->update().status().uuid(), first->update().status().uuid());
}

TEST_F(SimSingle, UnusedOfferIsRescinded) {
  framework fw(sim->port(0), encoding::protobuf);
  auto offer = fw.offer();
  ASSERT_TRUE(offer);
  auto rescind = fw.next_of(Event::RESCIND);
  ASSERT_TRUE(rescind);
  EXPECT_EQ(rescind->rescind().offer_id().value(), offer->id().value());
}

TEST_F(SimSingle, CallsAreRecorded) {
  framework fw(sim->port(0), encoding::json);
  ASSERT_TRUE(fw.ok());
  Call revive;
  revive.set_type(Call::REVIVE);
  fw.call(revive);
  post(sim->port(0), "{", {{"Content-Type", "application/json"}});
  const auto calls = sim->calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].type, "SUBSCRIBE");
  EXPECT_EQ(calls[0].status, 200u);
  EXPECT_EQ(calls[0].framework_id, fw.id);
  EXPECT_EQ(calls[0].stream_id, fw.stream_id());
  EXPECT_EQ(calls[1].type, "REVIVE");
  EXPECT_EQ(calls[1].status, 202u);
  EXPECT_EQ(calls[1].stream_id, fw.stream_id());
  EXPECT_EQ(calls[2].status, 400u);
  EXPECT_EQ(sim->subscribers(), 1u);
}

}  // namespace
