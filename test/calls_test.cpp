// The builders of every scheduler call: each sets its type and only its own
// payload, and every call round-trips in both encodings. The offer operations
// are in calls_operations_test.cpp, the task and resource helpers in
// calls_helpers_test.cpp.
#include "mesoshttp/calls.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "support/calls_support.hpp"

namespace {

using namespace mesoshttp::test;

// 16 raw bytes, as a master puts in TaskStatus.uuid; includes a NUL and high
// bytes so a text-mangling encoder would be caught.
const std::string kUuid("\x67\x2d\x5d\x8d\x92\x80\x43\xf0\x00\x4b\x53\x8f\xd6\x39\xae\x66", 16);

v1::FrameworkInfo framework() {
  v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("calls-test");
  info.add_roles("web");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
  info.set_failover_timeout(60);
  return info;
}

mesos::v1::scheduler::OfferConstraints constraints() {
  mesos::v1::scheduler::OfferConstraints oc;
  auto& role = (*oc.mutable_role_constraints())["web"];
  auto* c = role.add_groups()->add_attribute_constraints();
  c->mutable_selector()->set_attribute_name("rack");
  c->mutable_predicate()->mutable_text_equals()->set_value("r1");
  return oc;
}

// One call of every type, built with non-default arguments where there are any.
std::map<Call::Type, Call> one_of_each() {
  std::map<Call::Type, Call> m;
  auto add = [&](Call c) { m.emplace(c.type(), std::move(c)); };
  add(calls::subscribe(framework(), {"web"}, constraints()));
  add(calls::teardown());
  auto task = calls::task_from_offer(sample_offer(), "t", "echo hi", 1, 64, 10, "t-1");
  add(calls::accept({calls::offer_id("O1")}, {ops::launch({*task})}, calls::filters(1)));
  add(calls::decline(std::vector<std::string>{"O1", "O2"}, calls::filters(30)));
  add(calls::accept_inverse_offers({calls::offer_id("I1")}, calls::filters(2)));
  add(calls::decline_inverse_offers({calls::offer_id("I2")}));
  add(calls::revive({"web"}));
  v1::KillPolicy policy;
  policy.mutable_grace_period()->set_nanoseconds(5'000'000'000);
  add(calls::kill(calls::task_id("t-1"), calls::agent_id("S0"), policy));
  add(calls::shutdown("E1", "S0"));
  add(calls::acknowledge("S0", "t-1", kUuid));
  add(calls::acknowledge_operation_status(calls::operation_id("op1"), kUuid, calls::agent_id("S0"),
                                          calls::resource_provider_id("RP1")));
  add(calls::reconcile({{calls::task_id("t-1"), calls::agent_id("S0")}, {calls::task_id("t-2"), {}}}));
  add(calls::reconcile_operations({{calls::operation_id("op1"), calls::agent_id("S0"), {}}}));
  add(calls::message(calls::agent_id("S0"), calls::executor_id("E1"), std::string("a\0b", 3)));
  v1::Request req;
  *req.mutable_agent_id() = calls::agent_id("S0");
  *req.add_resources() = calls::scalar("cpus", 2);
  add(calls::request({req}));
  add(calls::suppress({"web"}));
  auto fw = framework();
  fw.mutable_id()->set_value("F1");
  add(calls::update_framework(fw, {"web"}, constraints()));
  return m;
}

// The field of Call that carries the payload of each type (none for TEARDOWN).
const google::protobuf::FieldDescriptor* payload_field(Call::Type type) {
  const auto* d = Call::descriptor();
  std::string name = Call::Type_Name(type);
  for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return d->FindFieldByName(name);
}

TEST(Calls, EveryCallTypeHasABuilder) {
  const auto built = one_of_each();
  const auto* type_enum = Call::Type_descriptor();
  for (int i = 0; i < type_enum->value_count(); ++i) {
    const auto type = static_cast<Call::Type>(type_enum->value(i)->number());
    if (type == Call::UNKNOWN) continue;
    EXPECT_EQ(built.count(type), 1u) << "no builder tested for " << type_enum->value(i)->name();
  }
}

TEST(Calls, EachSetsItsTypeAndOnlyItsSubMessageAndNoFrameworkId) {
  for (const auto& [type, call] : one_of_each()) {
    SCOPED_TRACE(Call::Type_Name(type));
    EXPECT_TRUE(call.has_type());
    EXPECT_FALSE(call.has_framework_id());
    EXPECT_TRUE(call.IsInitialized()) << call.InitializationErrorString();
    const auto* payload = payload_field(type);
    std::vector<const google::protobuf::FieldDescriptor*> set_fields;
    call.GetReflection()->ListFields(call, &set_fields);
    for (const auto* f : set_fields) {
      if (f->name() == "type") continue;
      EXPECT_EQ(f, payload) << "unexpected field " << f->name();
    }
    if (type == Call::TEARDOWN) {
      EXPECT_EQ(payload, nullptr);
    } else {
      ASSERT_NE(payload, nullptr);
      EXPECT_TRUE(call.GetReflection()->HasField(call, payload));
    }
  }
}

TEST(Calls, EveryCallRoundTripsInBothEncodings) {
  for (const auto& [type, call] : one_of_each()) {
    for (auto enc : {mesoshttp::encoding::protobuf, mesoshttp::encoding::json}) {
      SCOPED_TRACE(Call::Type_Name(type) + " " + std::string(mesoshttp::to_string(enc)));
      std::string bytes, why;
      ASSERT_FALSE(mesoshttp::encode(call, enc, bytes, &why)) << why;
      ASSERT_FALSE(bytes.empty());
      Call back;
      ASSERT_FALSE(mesoshttp::decode(bytes, enc, back, &why)) << why;
      std::string diff;
      MessageDifferencer differ;
      differ.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differ.Compare(call, back)) << diff;
      EXPECT_TRUE(MessageDifferencer::Equals(call, back));
      if (enc == mesoshttp::encoding::json) {
        // The master looks fields up by proto name, and reads the type by name.
        const auto* payload = payload_field(type);
        if (payload) {
          EXPECT_NE(bytes.find("\"" + payload->name() + "\""), std::string::npos) << bytes;
        }
        EXPECT_NE(bytes.find("\"" + Call::Type_Name(type) + "\""), std::string::npos) << bytes;
      }
    }
  }
}

TEST(Calls, Subscribe) {
  auto c = calls::subscribe(framework(), {"web"}, constraints());
  EXPECT_EQ(c.type(), Call::SUBSCRIBE);
  EXPECT_TRUE(MessageDifferencer::Equals(c.subscribe().framework_info(), framework()));
  ASSERT_EQ(c.subscribe().suppressed_roles_size(), 1);
  EXPECT_EQ(c.subscribe().suppressed_roles(0), "web");
  EXPECT_TRUE(MessageDifferencer::Equals(c.subscribe().offer_constraints(), constraints()));
  auto plain = calls::subscribe(framework());
  EXPECT_EQ(plain.subscribe().suppressed_roles_size(), 0);
  EXPECT_FALSE(plain.subscribe().has_offer_constraints());
}

TEST(Calls, AcceptAndDecline) {
  auto op = ops::reserve({calls::scalar("cpus", 1)});
  auto a = calls::accept(std::vector<std::string>{"O1", "O2"}, {op});
  EXPECT_EQ(a.type(), Call::ACCEPT);
  ASSERT_EQ(a.accept().offer_ids_size(), 2);
  EXPECT_EQ(a.accept().offer_ids(1).value(), "O2");
  ASSERT_EQ(a.accept().operations_size(), 1);
  EXPECT_EQ(a.accept().operations(0).type(), v1::Offer::Operation::RESERVE);
  EXPECT_FALSE(a.accept().has_filters());
  auto a2 = calls::accept({calls::offer_id("O3")}, {}, calls::filters(7.5));
  EXPECT_EQ(a2.accept().filters().refuse_seconds(), 7.5);
  EXPECT_EQ(a2.accept().operations_size(), 0);

  auto d = calls::decline({calls::offer_id("O1")}, calls::filters(0));
  EXPECT_EQ(d.type(), Call::DECLINE);
  EXPECT_EQ(d.decline().offer_ids(0).value(), "O1");
  // 0 is a meaningful value (no filter), distinct from the default 5 s.
  EXPECT_TRUE(d.decline().filters().has_refuse_seconds());
  EXPECT_EQ(d.decline().filters().refuse_seconds(), 0);
  EXPECT_FALSE(calls::decline(std::vector<std::string>{"O1"}).decline().has_filters());
}

TEST(Calls, InverseOffers) {
  auto a = calls::accept_inverse_offers({calls::offer_id("I1"), calls::offer_id("I2")});
  EXPECT_EQ(a.type(), Call::ACCEPT_INVERSE_OFFERS);
  EXPECT_EQ(a.accept_inverse_offers().inverse_offer_ids_size(), 2);
  EXPECT_FALSE(a.accept_inverse_offers().has_filters());
  auto d = calls::decline_inverse_offers({calls::offer_id("I3")}, calls::filters(3));
  EXPECT_EQ(d.type(), Call::DECLINE_INVERSE_OFFERS);
  EXPECT_EQ(d.decline_inverse_offers().inverse_offer_ids(0).value(), "I3");
  EXPECT_EQ(d.decline_inverse_offers().filters().refuse_seconds(), 3);
}

TEST(Calls, ReviveAndSuppressWithAndWithoutRoles) {
  auto r = calls::revive();
  EXPECT_EQ(r.type(), Call::REVIVE);
  EXPECT_TRUE(r.has_revive());
  EXPECT_EQ(r.revive().roles_size(), 0);
  auto r2 = calls::revive({"a", "b"});
  ASSERT_EQ(r2.revive().roles_size(), 2);
  EXPECT_EQ(r2.revive().roles(1), "b");
  auto s = calls::suppress();
  EXPECT_EQ(s.type(), Call::SUPPRESS);
  EXPECT_TRUE(s.has_suppress());
  EXPECT_EQ(calls::suppress({"x"}).suppress().roles(0), "x");
}

TEST(Calls, Kill) {
  auto k = calls::kill("t-1");
  EXPECT_EQ(k.type(), Call::KILL);
  EXPECT_EQ(k.kill().task_id().value(), "t-1");
  EXPECT_FALSE(k.kill().has_agent_id());
  EXPECT_FALSE(k.kill().has_kill_policy());
  auto k2 = calls::kill("t-1", "S0");
  EXPECT_EQ(k2.kill().agent_id().value(), "S0");
  v1::KillPolicy p;
  p.mutable_grace_period()->set_nanoseconds(42);
  auto k3 = calls::kill(calls::task_id("t"), {}, p);
  EXPECT_FALSE(k3.kill().has_agent_id());
  EXPECT_EQ(k3.kill().kill_policy().grace_period().nanoseconds(), 42);
}

TEST(Calls, ShutdownAndMessage) {
  auto s = calls::shutdown(calls::executor_id("E"), calls::agent_id("S"));
  EXPECT_EQ(s.type(), Call::SHUTDOWN);
  EXPECT_EQ(s.shutdown().executor_id().value(), "E");
  EXPECT_EQ(s.shutdown().agent_id().value(), "S");
  auto m = calls::message(calls::agent_id("S"), calls::executor_id("E"), std::string("\0\xff", 2));
  EXPECT_EQ(m.type(), Call::MESSAGE);
  EXPECT_EQ(m.message().data(), std::string("\0\xff", 2));
  EXPECT_EQ(m.message().agent_id().value(), "S");
  EXPECT_EQ(m.message().executor_id().value(), "E");
}

TEST(Calls, AcknowledgeKeepsRawUuidBytes) {
  auto a = calls::acknowledge("S0", "t-1", kUuid);
  EXPECT_EQ(a.type(), Call::ACKNOWLEDGE);
  EXPECT_EQ(a.acknowledge().uuid(), kUuid);
  EXPECT_EQ(a.acknowledge().uuid().size(), 16u);
  EXPECT_EQ(a.acknowledge().agent_id().value(), "S0");
  EXPECT_EQ(a.acknowledge().task_id().value(), "t-1");

  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t-9");
  status.set_state(v1::TASK_RUNNING);
  status.mutable_agent_id()->set_value("S9");
  status.set_uuid(kUuid);
  auto from_status = calls::acknowledge(status);
  EXPECT_EQ(from_status.acknowledge().task_id().value(), "t-9");
  EXPECT_EQ(from_status.acknowledge().agent_id().value(), "S9");
  EXPECT_EQ(from_status.acknowledge().uuid(), kUuid);

  // The JSON a master reads carries the uuid in base64, as in the captures.
  std::string json;
  ASSERT_FALSE(
      mesoshttp::encode(calls::acknowledge("S", "t", std::string("\x01\x02\x03", 3)), mesoshttp::encoding::json, json));
  EXPECT_NE(json.find("\"uuid\":\"AQID\""), std::string::npos) << json;
}

TEST(Calls, AcknowledgeOperationStatus) {
  auto a = calls::acknowledge_operation_status(calls::operation_id("op"), kUuid);
  EXPECT_EQ(a.type(), Call::ACKNOWLEDGE_OPERATION_STATUS);
  EXPECT_EQ(a.acknowledge_operation_status().operation_id().value(), "op");
  EXPECT_EQ(a.acknowledge_operation_status().uuid(), kUuid);
  EXPECT_FALSE(a.acknowledge_operation_status().has_agent_id());
  EXPECT_FALSE(a.acknowledge_operation_status().has_resource_provider_id());

  v1::OperationStatus status;
  status.mutable_operation_id()->set_value("op2");
  status.set_state(v1::OPERATION_FINISHED);
  status.mutable_uuid()->set_value(kUuid);
  status.mutable_agent_id()->set_value("S1");
  status.mutable_resource_provider_id()->set_value("RP");
  auto b = calls::acknowledge_operation_status(status);
  const auto& ack = b.acknowledge_operation_status();
  EXPECT_EQ(ack.operation_id().value(), "op2");
  EXPECT_EQ(ack.uuid(), kUuid);
  EXPECT_EQ(ack.agent_id().value(), "S1");
  EXPECT_EQ(ack.resource_provider_id().value(), "RP");
}

TEST(Calls, ReconcileExplicitAndImplicit) {
  auto implicit = calls::reconcile();
  EXPECT_EQ(implicit.type(), Call::RECONCILE);
  EXPECT_TRUE(implicit.has_reconcile());
  EXPECT_EQ(implicit.reconcile().tasks_size(), 0);
  auto ex = calls::reconcile({{calls::task_id("a"), calls::agent_id("S")}, {calls::task_id("b"), {}}});
  ASSERT_EQ(ex.reconcile().tasks_size(), 2);
  EXPECT_EQ(ex.reconcile().tasks(0).task_id().value(), "a");
  EXPECT_EQ(ex.reconcile().tasks(0).agent_id().value(), "S");
  EXPECT_FALSE(ex.reconcile().tasks(1).has_agent_id());
  // Byte for byte the call of the captured session (framework id aside).
  std::string json;
  ASSERT_FALSE(
      mesoshttp::encode(calls::reconcile({{calls::task_id("capture-task-1"), {}}}), mesoshttp::encoding::json, json));
  EXPECT_EQ(json, R"({"type":"RECONCILE","reconcile":{"tasks":[{"task_id":{"value":"capture-task-1"}}]}})");

  auto ops_implicit = calls::reconcile_operations();
  EXPECT_EQ(ops_implicit.type(), Call::RECONCILE_OPERATIONS);
  EXPECT_TRUE(ops_implicit.has_reconcile_operations());
  auto ops_ex = calls::reconcile_operations({{calls::operation_id("o"), {}, calls::resource_provider_id("RP")}});
  ASSERT_EQ(ops_ex.reconcile_operations().operations_size(), 1);
  EXPECT_EQ(ops_ex.reconcile_operations().operations(0).operation_id().value(), "o");
  EXPECT_FALSE(ops_ex.reconcile_operations().operations(0).has_agent_id());
  EXPECT_EQ(ops_ex.reconcile_operations().operations(0).resource_provider_id().value(), "RP");
}

TEST(Calls, RequestAndUpdateFramework) {
  v1::Request r;
  *r.add_resources() = calls::scalar("mem", 128);
  auto c = calls::request({r, r});
  EXPECT_EQ(c.type(), Call::REQUEST);
  EXPECT_EQ(c.request().requests_size(), 2);

  auto fw = framework();
  fw.mutable_id()->set_value("F");
  auto u = calls::update_framework(fw);
  EXPECT_EQ(u.type(), Call::UPDATE_FRAMEWORK);
  EXPECT_EQ(u.update_framework().framework_info().id().value(), "F");
  EXPECT_EQ(u.update_framework().suppressed_roles_size(), 0);
  EXPECT_FALSE(u.update_framework().has_offer_constraints());
  auto u2 = calls::update_framework(fw, {"web"}, constraints());
  EXPECT_EQ(u2.update_framework().suppressed_roles(0), "web");
  EXPECT_TRUE(u2.update_framework().has_offer_constraints());
  // The call itself never carries the framework id; the client adds it.
  EXPECT_FALSE(u2.has_framework_id());
}

TEST(Calls, TeardownHasNothingButItsType) {
  auto t = calls::teardown();
  EXPECT_EQ(t.type(), Call::TEARDOWN);
  EXPECT_EQ(t.ByteSizeLong(), 2u);  // tag + enum value
}

}  // namespace
