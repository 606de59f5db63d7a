// The simulated master's operator API on the wire: a real master's status
// codes and texts for bad requests, the answer's encoding by Accept, the
// headers of a call that changes something (operator-answers.md), and the
// sans-I/O rules of src/sim/operator_protocol behind them.
#include <optional>
#include <string>
#include <vector>

#include "operator_protocol.hpp"
#include "sim_operator_support.hpp"
#include "transport/gzip.hpp"

namespace {

using namespace simtest;
using mesoshttp::sim::cluster;
namespace master = mesos::v1::master;

struct bad_case {
  std::string method;
  std::optional<std::string> content_type;
  std::optional<std::string> accept;
  std::string body;
  unsigned status;
  std::string answer;
};

TEST(SimOperatorWire, BadRequestsGetAMastersTexts) {
  cluster sim(fast_config());
  sim.start();
  const std::string missing_type = "Failed to validate master::Call: Expecting 'type' to be present";
  const std::string unsupported_ct = "Expecting 'Content-Type' of application/json or application/x-protobuf";
  const std::vector<bad_case> cases{
      {"GET",
       "application/json",
       {},
       "",
       405,
       "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'."},
      {"PUT",
       "application/json",
       {},
       "{}",
       405,
       "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'PUT'."},
      {"POST", {}, {}, R"({"type":"GET_HEALTH"})", 400, "Expecting 'Content-Type' to be present"},
      {"POST", "text/plain", {}, R"({"type":"GET_HEALTH"})", 415, unsupported_ct},
      {"POST", "application/json; charset=utf-8", {}, R"({"type":"GET_HEALTH"})", 415, unsupported_ct},
      {"POST", "application/json", "text/plain", R"({"type":"GET_HEALTH"})", 406,
       "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"},
      {"POST", "application/json", "application/json;q=0", R"({"type":"GET_HEALTH"})", 406,
       "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"},
      {"POST",
       "application/json",
       {},
       "{not json",
       400,
       "Failed to parse body into JSON: syntax error at line 1 near: not json"},
      {"POST", "application/json", {}, "", 400, "Failed to parse body into JSON: syntax error at line 1 near: "},
      {"POST",
       "application/json",
       {},
       "[1]",
       400,
       "Failed to convert JSON into Call protobuf: Expecting a JSON object"},
      {"POST", "application/json", {}, "{}", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"NOPE"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"get_health"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"REVIVE"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"GET_CONTAINERS"})", 400, missing_type},
      {"POST", "application/json", {}, R"({"type":"UNKNOWN"})", 501, "501 Not Implemented."},
      {"POST",
       "application/json",
       {},
       R"({"type":1})",
       400,
       "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'type'"},
      {"POST",
       "application/json",
       {},
       R"({"type":"GET_METRICS","get_metrics":5})",
       400,
       "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'get_metrics'"},
      {"POST",
       "application/json",
       {},
       R"({"type":"GET_METRICS"})",
       400,
       "Failed to validate master::Call: Expecting 'get_metrics' to be present"},
      {"POST",
       "application/json",
       {},
       R"({"type":"TEARDOWN"})",
       400,
       "Failed to validate master::Call: Expecting 'teardown' to be present"},
      {"POST",
       "application/json",
       {},
       R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1}})",
       400,
       "Failed to convert JSON into Call protobuf: Missing required fields: set_logging_level.duration"},
      {"POST",
       "application/json",
       {},
       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"x"},"max_grace_period":"2s"}})",
       400,
       "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'max_grace_period'"},
      {"POST",
       "application/json",
       {},
       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"x"},"max_grace_period":{"seconds":2}}})",
       400,
       "Unknown agent"},
      {"POST",
       "application/json",
       {},
       R"({"type":"MARK_AGENT_GONE","mark_agent_gone":{"agent_id":{"value":"x"}}})",
       404,
       "Agent 'x' not found"},
      {"POST",
       "application/json",
       {},
       R"({"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"a","weight":2}]}})",
       501,
       "501 Not Implemented. The simulated master does not serve UPDATE_WEIGHTS."},
      {"POST",
       "application/x-protobuf",
       {},
       std::string("\xff\xff\xff", 3),
       400,
       "Failed to parse body into Call protobuf"},
      {"POST", "application/x-protobuf", {}, "", 400, missing_type},
  };
  for (const char* path : {"/api/v1", "/master/api/v1"}) {
    for (const auto& k : cases) {
      header_list h;
      if (k.content_type) h.emplace_back("Content-Type", *k.content_type);
      if (k.accept) h.emplace_back("Accept", *k.accept);
      auto r = raw(sim.port(0), k.body, h, path, k.method);
      ASSERT_TRUE(r) << k.body;
      EXPECT_EQ(r->status, k.status) << path << " " << k.method << " " << k.body;
      EXPECT_EQ(r->body, k.answer) << path << " " << k.method << " " << k.body;
      EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8") << k.body;
      EXPECT_EQ(r->has("allow"), k.status == 405) << k.body;
    }
  }
  // An unknown extra field is ignored.
  auto extra = raw(sim.port(0), R"({"type":"GET_HEALTH","bogus":1})", json_headers());
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->status, 200u);
  EXPECT_EQ(extra->body, R"({"type":"GET_HEALTH","get_health":{"healthy":true}})");
  // The files a master would list are not there: 404, empty body.
  auto files = raw(sim.port(0), R"({"type":"LIST_FILES","list_files":{"path":"/"}})", json_headers());
  ASSERT_TRUE(files);
  EXPECT_EQ(files->status, 404u);
  EXPECT_EQ(files->body, "");
}

TEST(SimOperatorWire, AnswerEncodingFollowsAccept) {
  cluster sim(fast_config());
  sim.start();
  const std::string json = "application/json", pb = "application/x-protobuf";
  const std::vector<std::pair<std::optional<std::string>, std::string>> table{
      {std::nullopt, json},
      {"", json},
      {"*/*", json},
      {"application/*", json},
      {json, json},
      {pb, pb},
      {"application/x-protobuf, application/json", json},
      {"application/json, application/x-protobuf", json},
      {"application/json;q=0.5, application/x-protobuf;q=0.9", json},
      {"application/json;q=0, application/x-protobuf", pb},
  };
  for (const auto& [accept, want] : table) {
    header_list h{{"Content-Type", pb}};
    if (accept) h.emplace_back("Accept", *accept);
    master::Call c = op(master::Call::GET_HEALTH);
    auto r = raw(sim.port(0), c.SerializeAsString(), h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u) << accept.value_or("(none)");
    EXPECT_EQ(r->header("content-type"), want) << accept.value_or("(none)");
  }
  // A change call: 200, empty body, no Content-Type.
  auto set =
      raw(sim.port(0),
          R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1,"duration":{"nanoseconds":4000000000}}})",
          json_headers());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200u);
  EXPECT_EQ(set->body, "");
  EXPECT_FALSE(set->has("content-type"));
  EXPECT_EQ(set->header("content-length"), "0");
  auto level = send_call(sim.port(0), encoding::json, op(master::Call::GET_LOGGING_LEVEL));
  ASSERT_TRUE(level) << level.message;
  EXPECT_EQ(level.response->get_logging_level().level(), 1u);
}

TEST(SimOperatorRules, JsonSyntaxErrorsAreFoundWhereTheyAre) {
  namespace rules = mesoshttp::sim::operator_protocol;
  EXPECT_FALSE(rules::json_syntax_error(R"({"type":"GET_HEALTH","x":[1,2.5e3,true,null,"\"q"]})"));
  EXPECT_EQ(rules::json_syntax_error("{not json"), 1u);
  EXPECT_EQ(rules::json_syntax_error(""), 0u);
  EXPECT_EQ(rules::json_syntax_error("{} x"), 3u);
  EXPECT_EQ(rules::json_syntax_error(R"({"a":1,})"), 7u);
}

TEST(SimOperatorRules, GzipIsAllowedByWeight) {
  namespace rules = mesoshttp::sim::operator_protocol;
  EXPECT_TRUE(rules::accepts_gzip("gzip"));
  EXPECT_TRUE(rules::accepts_gzip("gzip, deflate"));
  EXPECT_TRUE(rules::accepts_gzip("*"));
  EXPECT_TRUE(rules::accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_FALSE(rules::accepts_gzip(std::nullopt));
  EXPECT_FALSE(rules::accepts_gzip("deflate"));
  EXPECT_FALSE(rules::accepts_gzip("gzip;q=0"));
  const std::string data(5000, 'x');
  std::string back;
  ASSERT_EQ(mesoshttp::detail::gunzip(rules::gzip(data), back), "");
  EXPECT_EQ(back, data);
}

}  // namespace
