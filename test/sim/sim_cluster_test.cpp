// The simulated master over real HTTP on 127.0.0.1: the scheduler API as a
// real Mesos 1.11 master answers it, in both encodings where bodies matter.
// Subscriptions, calls, tasks, offers and filters, roles, failover. The rest
// by subject: sim_operations_test (operations, status-update retries,
// maintenance), sim_constraints_test, sim_wire_test (one encoding, raw HTTP).
#include <set>

#include "sim_api.hpp"

// RECONCILE_OPERATIONS is deprecated in the schema, yet masters still answer it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using namespace simtest;

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
  EXPECT_EQ(r->body,
            "The stream ID 'not-the-stream' included in this request didn't match the "
            "stream ID currently associated with framework ID '" +
                fw.id + "'");

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
  EXPECT_EQ(states, (std::vector<mesos::v1::TaskState>{mesos::v1::TASK_STARTING, mesos::v1::TASK_RUNNING,
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
              "Task launched with invalid offers: Offer " + offer->id().value() + " is no longer valid");
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
  event_stream bad(port(), encode_call(multi_role_subscribe({"a"}, {"x"}), GetParam()), GetParam(),
                   std::string(mesoshttp::content_type(GetParam())));
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
  auto* label = launch.mutable_accept()
                    ->mutable_operations(0)
                    ->mutable_launch()
                    ->mutable_task_infos(0)
                    ->mutable_labels()
                    ->add_labels();
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
    EXPECT_TRUE(e->type() == Event::HEARTBEAT || e->type() == Event::OFFERS) << Event::Type_Name(e->type());
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
      if (r.name() == "cpus" && (r.reservations_size() > 0) == want_reserved) total += r.scalar().value();
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
      if (r.name() == "cpus" && r.reservations_size() == 1 && r.reservations(0).role() == "dev") seen = true;
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

INSTANTIATE_TEST_SUITE_P(Encodings, SimApi, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

}  // namespace
