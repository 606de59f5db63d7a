// The simulated master's offer operations with their status feedback, the
// retries of unacknowledged status updates, and maintenance with inverse
// offers, in both encodings.
#include <set>

#include "sim_api.hpp"

// RECONCILE_OPERATIONS is deprecated in the schema, yet masters still answer it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using namespace simtest;

// Updates are retried quickly here, so a resent update would show at once.
class SimApiRetry : public SimApi {
  void configure(cluster_config& cfg) override { cfg.status_update_retry = std::chrono::milliseconds(100); }
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
    EXPECT_TRUE(seen.emplace(s.task_id().value(), s.state()).second) << "sent twice: " << s.task_id().value();
  }
  EXPECT_EQ(seen, (std::map<std::string, mesos::v1::TaskState>{{"too-big", mesos::v1::TASK_ERROR},
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
    EXPECT_TRUE(aware_seen.emplace(s.task_id().value(), s.state()).second) << "sent twice: " << s.task_id().value();
  }
  EXPECT_EQ(aware_seen, (std::map<std::string, mesos::v1::TaskState>{{"dropped", mesos::v1::TASK_DROPPED},
                                                                     {"ghost", mesos::v1::TASK_UNKNOWN}}));
}

// Every event until the marker ERROR event sim->send_error_event() put after them.
// `wait` first: many retry periods, so anything resent is before the marker.
std::vector<Event> events_until_marker(framework& fw, cluster& sim,
                                       std::chrono::milliseconds wait = std::chrono::milliseconds(800)) {
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

std::map<std::string, mesos::v1::OperationState> reconciled(framework& fw, const std::vector<std::string>& ids) {
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
  ASSERT_EQ(fw.call(accept_ops(*offer, {with_id(reserve, "reserve"), with_id(create, "create"), with_id(grow, "grow"),
                                        with_id(shrink, "shrink"), with_id(too_much, "too-much"),
                                        with_id(create_disk, "create-disk"), with_id(launch, "launch")}))
                ->status,
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
    if (r.has_disk())
      agent_volume += r.scalar().value();
    else if (r.reservations_size() > 0)
      agent_reserved += r.scalar().value();
    else
      agent_plain += r.scalar().value();
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
  EXPECT_EQ(reconciled(fw, {"grow", "too-much", "nope"}), (states{{"grow", mesos::v1::OPERATION_FINISHED},
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
        << "resent after the acknowledgement: " << e.update_operation_status().status().operation_id().value();
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
  for (const auto& e : events_until_marker(fw, *sim)) EXPECT_NE(e.type(), Event::UPDATE_OPERATION_STATUS);
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
  const auto start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
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
  EXPECT_EQ(first.unavailability().duration().nanoseconds(), std::chrono::nanoseconds(std::chrono::hours(2)).count());
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
  auto r = post(port(),
                R"({"fault":"schedule_maintenance","agent":0,"start_s":2000000000,)"
                R"("duration_s":60})",
                json, "/sim/fault");
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
  EXPECT_EQ(inverse_states(*sim), (std::map<std::string, inverse_status>{{io.id().value(), inverse_status::declined}}));
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
  EXPECT_EQ(inverse_states(*sim), (std::map<std::string, inverse_status>{{io.id().value(), inverse_status::declined}}));
  EXPECT_THROW(sim->schedule_maintenance(9, std::chrono::system_clock::now(), std::chrono::hours(1)),
               std::out_of_range);
}

INSTANTIATE_TEST_SUITE_P(Encodings, SimApiRetry, ::testing::Values(encoding::json, encoding::protobuf), enc_name);

}  // namespace
