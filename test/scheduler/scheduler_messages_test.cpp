// The scheduler API's rules for its own messages, without sockets: which
// ERROR events end the client, which calls may be sent twice, what SUBSCRIBE
// carries.
#include "scheduler/scheduler_messages.hpp"

#include <gtest/gtest.h>

namespace {

using mesos::v1::scheduler::Call;
using mesoshttp::detail::classify_error_event;
using mesoshttp::detail::error_event_meaning;

TEST(SchedulerMessages, TheTwoFinalErrorEventsOfARealMaster) {
  EXPECT_EQ(classify_error_event("Framework has been removed"), error_event_meaning::removed);
  EXPECT_EQ(classify_error_event("Framework failed over"), error_event_meaning::failed_over);
}

TEST(SchedulerMessages, AnyOtherErrorEventMeansResubscribe) {
  for (const char* text : {"", "simulated trouble", "Framework is being rate limited", "failed over",
                           "Not authorized to use roles", "Framework failed"}) {
    EXPECT_EQ(classify_error_event(text), error_event_meaning::resubscribe) << text;
  }
}

TEST(SchedulerMessages, OnlyCallsThatCanBeSentTwiceAreIdempotent) {
  for (auto type : {Call::DECLINE, Call::REVIVE, Call::SUPPRESS, Call::RECONCILE, Call::ACKNOWLEDGE, Call::KILL})
    EXPECT_TRUE(mesoshttp::detail::is_idempotent(type)) << Call::Type_Name(type);
  for (auto type : {Call::ACCEPT, Call::TEARDOWN, Call::MESSAGE, Call::SUBSCRIBE})
    EXPECT_FALSE(mesoshttp::detail::is_idempotent(type)) << Call::Type_Name(type);
}

TEST(SchedulerMessages, SubscribeFailsOverWithTheKnownId) {
  mesoshttp::client_config config;
  config.framework.set_name("web");
  auto fresh = mesoshttp::detail::subscribe_call(config, std::nullopt);
  EXPECT_EQ(fresh.type(), Call::SUBSCRIBE);
  EXPECT_FALSE(fresh.subscribe().framework_info().has_id());
  mesos::v1::FrameworkID id;
  id.set_value("fw-1");
  auto failover = mesoshttp::detail::subscribe_call(config, id);
  EXPECT_EQ(failover.subscribe().framework_info().id().value(), "fw-1");
  EXPECT_EQ(failover.framework_id().value(), "fw-1");
}

}  // namespace
