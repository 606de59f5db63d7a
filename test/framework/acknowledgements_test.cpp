// Which events need an acknowledgement, and with which call, without a client.
#include "mesoshttp/framework/acknowledgements.hpp"

#include <gtest/gtest.h>

namespace {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::acknowledgement_for;

Event update(const std::string& uuid) {
  Event e;
  e.set_type(Event::UPDATE);
  auto* status = e.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value("t1");
  status->mutable_agent_id()->set_value("a1");
  status->set_state(mesos::v1::TASK_RUNNING);
  if (!uuid.empty()) status->set_uuid(uuid);
  return e;
}

TEST(Acknowledgements, AnUpdateWithAUuidIsAcknowledgedWithItsIds) {
  const std::string uuid("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
  auto call = acknowledgement_for(update(uuid));
  ASSERT_TRUE(call);
  EXPECT_EQ(call->type(), Call::ACKNOWLEDGE);
  EXPECT_EQ(call->acknowledge().task_id().value(), "t1");
  EXPECT_EQ(call->acknowledge().agent_id().value(), "a1");
  EXPECT_EQ(call->acknowledge().uuid(), uuid);
}

TEST(Acknowledgements, AnUpdateWithoutAUuidIsNot) { EXPECT_FALSE(acknowledgement_for(update(""))); }

TEST(Acknowledgements, AnOperationStatusWithAUuidAndAnIdIsAcknowledged) {
  Event e;
  e.set_type(Event::UPDATE_OPERATION_STATUS);
  auto* status = e.mutable_update_operation_status()->mutable_status();
  status->set_state(mesos::v1::OPERATION_FINISHED);
  status->mutable_uuid()->set_value("0123456789abcdef");
  EXPECT_FALSE(acknowledgement_for(e)) << "no operation id: the framework asked for no feedback";
  status->mutable_operation_id()->set_value("op-1");
  status->mutable_agent_id()->set_value("a1");
  status->mutable_resource_provider_id()->set_value("rp-1");
  auto call = acknowledgement_for(e);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->type(), Call::ACKNOWLEDGE_OPERATION_STATUS);
  EXPECT_EQ(call->acknowledge_operation_status().operation_id().value(), "op-1");
  EXPECT_EQ(call->acknowledge_operation_status().uuid(), "0123456789abcdef");
  EXPECT_EQ(call->acknowledge_operation_status().agent_id().value(), "a1");
  EXPECT_EQ(call->acknowledge_operation_status().resource_provider_id().value(), "rp-1");
  status->clear_uuid();
  EXPECT_FALSE(acknowledgement_for(e));
}

TEST(Acknowledgements, OtherEventsAreNot) {
  for (auto type : {Event::SUBSCRIBED, Event::OFFERS, Event::HEARTBEAT, Event::RESCIND, Event::ERROR}) {
    Event e;
    e.set_type(type);
    EXPECT_FALSE(acknowledgement_for(e)) << Event::Type_Name(type);
  }
  Event typed_update_without_body;
  typed_update_without_body.set_type(Event::UPDATE);
  EXPECT_FALSE(acknowledgement_for(typed_update_without_body));
}

}  // namespace
