// The operator client over real sockets on 127.0.0.1, in both encodings,
// against scripted masters that answer as the real ones did
// (../shared/mesos-api/operator-answers.md): typed answers, redirects to the
// leader, retries while a master recovers, gzip, refusals, deadlines.
#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/asio/ip/tcp.hpp>

#include <string>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/error.hpp"
#include "mesoshttp/operator/operator_calls.hpp"
#include "mesoshttp/operator/operator_client.hpp"
#include "../support/scripted_master.hpp"

namespace {

using namespace mesoshttp::operator_api;
using mesoshttp::encoding;
using mesoshttp::test::scripted_master;
namespace master = mesos::v1::master;

std::string http_answer(const std::string& status_line, const std::string& headers, const std::string& body) {
  return "HTTP/1.1 " + status_line + "\r\nDate: Tue, 01 Dec 2026 12:00:00 GMT\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string gzip(const std::string& plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, plain.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

master::Call call_of(master::Call::Type type) {
  master::Call c;
  c.set_type(type);
  return c;
}

master::Response version_response() {
  master::Response r;
  r.set_type(master::Response::GET_VERSION);
  auto* v = r.mutable_get_version()->mutable_version_info();
  v->set_version("1.11.0");
  v->set_git_sha("3eca75");
  return r;
}

// A port nothing listens on.
unsigned short closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class OperatorClient : public ::testing::TestWithParam<encoding> {
 protected:
  encoding wire() const { return GetParam(); }
  std::string content_type() const { return std::string(mesoshttp::content_type(wire())); }

  std::string encoded(const google::protobuf::Message& m) const {
    std::string out;
    EXPECT_FALSE(mesoshttp::encode(m, wire(), out));
    return out;
  }

  // The answer of a master that serves `response` in the encoding asked for.
  std::string ok(const google::protobuf::Message& response, bool gzipped = false) const {
    const std::string body = gzipped ? gzip(encoded(response)) : encoded(response);
    return http_answer(
        "200 OK",
        (gzipped ? "Content-Encoding: gzip\r\n" : "") + std::string("Content-Type: ") + content_type() + "\r\n", body);
  }

  operator_config config(std::vector<std::string> endpoints) const {
    operator_config c;
    c.endpoints = std::move(endpoints);
    c.wire = wire();
    c.call_timeout = std::chrono::seconds(10);
    c.retry.initial_wait = std::chrono::milliseconds(10);
    c.retry.max_wait = std::chrono::milliseconds(40);
    return c;
  }

  master::Call sent_call(const scripted_master& m, std::size_t i) const {
    master::Call c;
    const auto bodies = m.bodies();
    EXPECT_LT(i, bodies.size());
    if (i < bodies.size()) {
      EXPECT_FALSE(mesoshttp::decode(bodies[i], wire(), c));
    }
    return c;
  }
};

TEST_P(OperatorClient, AReadCallCompletesWithItsTypedResponse) {
  std::string head;
  scripted_master m([&](std::size_t, const std::string& h) {
    head = h;
    return ok(version_response());
  });
  const auto r = call_master(config({m.url()}), call_of(master::Call::GET_VERSION));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(r.endpoint, m.url() + "/api/v1");
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->type(), master::Response::GET_VERSION);
  EXPECT_EQ(r.response->get_version().version_info().version(), "1.11.0");
  // One POST to /api/v1, in the encoding asked for, allowing gzip.
  EXPECT_EQ(head.rfind("POST /api/v1 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: " + content_type() + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Accept: " + content_type() + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Accept-Encoding: gzip\r\n"), std::string::npos) << head;
  EXPECT_EQ(sent_call(m, 0).type(), master::Call::GET_VERSION);
}

TEST_P(OperatorClient, ANonLeaderRedirectsTheCallToTheLeader) {
  std::string leader_head;
  scripted_master leader([&](std::size_t, const std::string& h) {
    leader_head = h;
    master::Response health;
    health.set_type(master::Response::GET_HEALTH);
    health.mutable_get_health()->set_healthy(true);
    return ok(health);
  });
  // As a real non-leading master answers: protocol-relative, the master's internal path.
  scripted_master follower([&](std::size_t, const std::string&) {
    return http_answer("307 Temporary Redirect",
                       "Location: //127.0.0.1:" + std::to_string(leader.port()) + "/master/api/v1\r\n", "");
  });
  const auto r = call_master(config({follower.url()}), call_of(master::Call::GET_HEALTH));
  ASSERT_TRUE(r) << r.message;
  EXPECT_TRUE(r.response->get_health().healthy());
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_EQ(r.endpoint, leader.url() + "/master/api/v1");
  EXPECT_EQ(leader_head.rfind("POST /master/api/v1 HTTP/1.1\r\n", 0), 0u) << leader_head;
  EXPECT_EQ(sent_call(leader, 0).type(), master::Call::GET_HEALTH);
}

TEST_P(OperatorClient, ARecoveringOrStartingMasterIsAskedAgainUntilItAnswers) {
  scripted_master m([&](std::size_t i, const std::string&) {
    const std::string text = "text/plain; charset=utf-8";
    if (i < 2)
      return http_answer("503 Service Unavailable", "Content-Type: " + text + "\r\n",
                         "Master has not finished recovery");
    if (i == 2) return http_answer("404 Not Found", "", "");
    return ok(version_response());
  });
  const auto r = call_master(config({m.url()}), call_of(master::Call::GET_VERSION));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.attempts, 4u);
  EXPECT_EQ(m.requests(), 4u);
}

TEST_P(OperatorClient, GzippedAnswersAreInflatedWhateverTheirSize) {
  master::Response flags;
  flags.set_type(master::Response::GET_FLAGS);
  for (int i = 0; i < 2000; ++i) {
    auto* f = flags.mutable_get_flags()->add_flags();
    f->set_name("flag_" + std::to_string(i));
    f->set_value(std::string(200, static_cast<char>('a' + i % 26)));
  }
  scripted_master m([&](std::size_t, const std::string&) { return ok(flags, true); });
  const auto r = call_master(config({m.url()}), call_of(master::Call::GET_FLAGS));
  ASSERT_TRUE(r) << r.message;
  ASSERT_TRUE(r.response);
  ASSERT_EQ(r.response->get_flags().flags_size(), 2000);
  EXPECT_EQ(r.response->get_flags().flags(1999).name(), "flag_1999");
  EXPECT_EQ(r.response->get_flags().flags(1999).value(), std::string(200, static_cast<char>('a' + 1999 % 26)));
}

TEST_P(OperatorClient, ABrokenGzipBodyIsAClearError) {
  scripted_master m([&](std::size_t, const std::string&) {
    return http_answer("200 OK", "Content-Encoding: gzip\r\nContent-Type: " + content_type() + "\r\n",
                       gzip(encoded(version_response())).substr(0, 12));
  });
  const auto r = call_master(config({m.url()}), call_of(master::Call::GET_VERSION));
  EXPECT_EQ(r.error, mesoshttp::error::unexpected_response);
  EXPECT_NE(r.message.find("gzip"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(m.url()), std::string::npos) << r.message;
}

TEST_P(OperatorClient, ARefusalNamesTheMasterAndQuotesItAndIsNotRetried) {
  const std::string refusal = "Failed to validate master::Call: Expecting 'get_metrics' to be present";
  scripted_master m([&](std::size_t, const std::string&) {
    return http_answer("400 Bad Request", "Content-Type: text/plain; charset=utf-8\r\n", refusal);
  });
  const auto r = call_master(config({m.url()}), call_of(master::Call::GET_METRICS));
  EXPECT_EQ(r.error, mesoshttp::error::call_rejected);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_FALSE(r.response);
  EXPECT_NE(r.message.find(m.url()), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(refusal), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("GET_METRICS"), std::string::npos) << r.message;
}

TEST_P(OperatorClient, A404IsTheAnswerToMarkingAnUnknownAgentGone) {
  scripted_master m([&](std::size_t, const std::string&) {
    return http_answer("404 Not Found", "Content-Type: text/plain; charset=utf-8\r\n",
                       "Agent 'no-such-agent' not found");
  });
  auto gone = call_of(master::Call::MARK_AGENT_GONE);
  gone.mutable_mark_agent_gone()->mutable_agent_id()->set_value("no-such-agent");
  const auto r = call_master(config({m.url()}), gone);
  EXPECT_EQ(r.error, mesoshttp::error::call_rejected);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_NE(r.message.find("not found"), std::string::npos) << r.message;
  EXPECT_EQ(sent_call(m, 0).mark_agent_gone().agent_id().value(), "no-such-agent");
}

TEST_P(OperatorClient, CallsThatChangeSomethingCompleteWithTheStatusAlone) {
  // 200 with an empty body and no Content-Type (DEACTIVATE_AGENT), 202 (RESERVE_RESOURCES).
  scripted_master m([&](std::size_t i, const std::string&) {
    return i == 0 ? http_answer("200 OK", "", "") : http_answer("202 Accepted", "", "");
  });
  auto deactivate = call_of(master::Call::DEACTIVATE_AGENT);
  deactivate.mutable_deactivate_agent()->mutable_agent_id()->set_value("S0");
  auto r = call_master(config({m.url()}), deactivate);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.response);
  auto reserve = call_of(master::Call::RESERVE_RESOURCES);
  reserve.mutable_reserve_resources()->mutable_agent_id()->set_value("S0");
  r = call_master(config({m.url()}), reserve);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(sent_call(m, 0).deactivate_agent().agent_id().value(), "S0");
  EXPECT_EQ(sent_call(m, 1).type(), master::Call::RESERVE_RESOURCES);
}

TEST_P(OperatorClient, DrainAgentsGracePeriodGoesOutInTheFormARealMasterTakes) {
  scripted_master m([&](std::size_t, const std::string&) { return http_answer("200 OK", "", ""); });
  const auto r = call_master(config({m.url()}), calls::drain_agent("S0", std::chrono::seconds(2), true));
  ASSERT_TRUE(r) << r.message;
  const auto bodies = m.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  if (wire() == encoding::json) {
    // A real master refuses protobuf's "2s" for this google.protobuf.Duration.
    EXPECT_NE(bodies[0].find("\"drain_agent\":{\"max_grace_period\":{\"seconds\":2,\"nanos\":0},"), std::string::npos)
        << bodies[0];
    EXPECT_EQ(bodies[0].find("\"2s\""), std::string::npos) << bodies[0];
    EXPECT_NE(bodies[0].find("\"mark_gone\":true"), std::string::npos) << bodies[0];
  } else {
    const auto sent = sent_call(m, 0);
    EXPECT_EQ(sent.drain_agent().agent_id().value(), "S0");
    EXPECT_EQ(sent.drain_agent().max_grace_period().seconds(), 2);
    EXPECT_TRUE(sent.drain_agent().mark_gone());
  }
}

TEST_P(OperatorClient, ACallThatCannotBeEncodedIsRefusedWithoutAWord) {
  scripted_master m([&](std::size_t, const std::string&) { return http_answer("200 OK", "", ""); });
  auto drain = call_of(master::Call::DRAIN_AGENT);
  drain.mutable_drain_agent();  // agent_id is required and missing
  const auto r = call_master(config({m.url()}), drain);
  EXPECT_EQ(r.error, mesoshttp::error::encode_failed);
  EXPECT_NE(r.message.find("DRAIN_AGENT"), std::string::npos) << r.message;
  EXPECT_EQ(r.attempts, 0u);
  EXPECT_EQ(m.requests(), 0u);
}

TEST_P(OperatorClient, AnUnreachableEndpointGivesWayToTheNext) {
  scripted_master m([&](std::size_t, const std::string&) { return ok(version_response()); });
  const auto r = call_master(config({"http://127.0.0.1:" + std::to_string(closed_port()), m.url()}),
                             call_of(master::Call::GET_VERSION));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.endpoint, m.url() + "/api/v1");
}

TEST_P(OperatorClient, TheDeadlineEndsACallThatIsNeverAnswered) {
  // Reads the request and says nothing.
  scripted_master silent(scripted_master::reply_script([](std::size_t, const std::string&) {
    return scripted_master::reply{"", true};
  }));
  auto c = config({silent.url()});
  c.call_timeout = std::chrono::milliseconds(300);
  const auto r = call_master(c, call_of(master::Call::GET_STATE));
  EXPECT_EQ(r.error, mesoshttp::error::call_timeout);
  EXPECT_NE(r.message.find("GET_STATE"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("300 ms"), std::string::npos) << r.message;
}

TEST_P(OperatorClient, ABodyThatIsNotAResponseIsAClearError) {
  scripted_master m([&](std::size_t, const std::string&) {
    return http_answer("200 OK", "Content-Type: " + content_type() + "\r\n", "\xff\xff not a response");
  });
  const auto r = call_master(config({m.url()}), call_of(master::Call::GET_VERSION));
  EXPECT_TRUE(r.error);
  EXPECT_NE(r.message.find("mesos.v1.master.Response"), std::string::npos) << r.message;
}

TEST_P(OperatorClient, AnAgentAnswersWithItsOwnResponseType) {
  mesos::v1::agent::Response answer;
  answer.set_type(mesos::v1::agent::Response::GET_VERSION);
  answer.mutable_get_version()->mutable_version_info()->set_version("1.11.0");
  scripted_master agent([&](std::size_t, const std::string&) { return ok(answer); });
  mesos::v1::agent::Call call;
  call.set_type(mesos::v1::agent::Call::GET_VERSION);
  const auto r = call_agent(config({agent.url()}), call);
  ASSERT_TRUE(r) << r.message;
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->get_version().version_info().version(), "1.11.0");
}

TEST_P(OperatorClient, ABadConfigurationIsReportedAndEveryCallFailsWithIt) {
  boost::asio::io_context io;
  master_client bad(io.get_executor(), config({"ftp://127.0.0.1:21"}));
  EXPECT_NE(bad.config_error().find("ftp"), std::string::npos) << bad.config_error();
  master_client none(io.get_executor(), config({}));
  EXPECT_FALSE(none.config_error().empty());
  master_result r;
  bad.async_call(call_of(master::Call::GET_HEALTH), [&](master_result x) { r = std::move(x); });
  io.run();
  EXPECT_EQ(r.error, mesoshttp::error::invalid_argument);
  EXPECT_NE(r.message.find("ftp"), std::string::npos) << r.message;
}

INSTANTIATE_TEST_SUITE_P(Encodings, OperatorClient, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
