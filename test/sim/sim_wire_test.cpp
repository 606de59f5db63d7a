// The simulated master where the encoding does not matter: raw HTTP over the
// wire (methods, paths, headers, sizes), text that is not UTF-8, retries,
// rescinds and the record of calls.
#include <set>

#include "sim_api.hpp"

// RECONCILE_OPERATIONS is deprecated in the schema, yet masters still answer it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using namespace simtest;

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
  header_list protobuf_in_json_out{
      {"Content-Type", "application/x-protobuf"}, {"Accept", "application/json"}, {"Mesos-Stream-Id", fw.stream_id()}};
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
  event_stream s(sim->port(0), encode_call(subscribe_call(), encoding::protobuf), encoding::protobuf);
  EXPECT_EQ(s.head().status, 200u);
  EXPECT_EQ(s.head().header("content-type"), "application/json");
  auto e = s.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), Event::SUBSCRIBED);

  auto r = post(sim->port(0), encode_call(subscribe_call(), encoding::json),
                {{"Content-Type", "application/json"}, {"Accept", "text/plain"}}, "/master/api/v1/scheduler");
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
  r = c.request("POST", "/api/v1/scheduler", "x=1", {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415u);
  r = c.request("GET", "/nothing/here", "", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  r = c.request("POST", "/api/v1/scheduler", encode_call(subscribe_call(), encoding::json),
                {{"Content-Type", "application/json"}, {"Mesos-Stream-Id", "x"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->body, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
}

TEST_F(SimSingle, EveryNotFoundHasTheMastersTextBody) {
  // POST /api/v1 is the operator API (sim_operator_test) and GET / the live
  // page (sim_classic_test), not among these; POST / is.
  connection c(sim->port(0));
  const std::vector<std::pair<std::string, std::string>> requests = {{"GET", "/nothing/here"},
                                                                     {"POST", "/nothing/here"},
                                                                     {"POST", "/"},
                                                                     {"POST", "/api/v1/scheduler/extra"},
                                                                     {"POST", "/api/v2"},
                                                                     {"GET", "/sim/no-such-control"},
                                                                     {"POST", "/sim/no-such-control"},
                                                                     {"GET", "/master/api/v1/scheduler/x?y=1"}};
  for (const auto& [method, target] : requests) {
    auto r = c.request(method, target, method == "POST" ? "{}" : "", {{"Content-Type", "application/json"}});
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
