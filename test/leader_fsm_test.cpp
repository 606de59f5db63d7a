// The master-selection rules, without sockets.
#include "mesoshttp/detail/leader_fsm.hpp"

#include <gtest/gtest.h>

#include "mesoshttp/error.hpp"

namespace {

using mesoshttp::error;
using mesoshttp::detail::leader_fsm;
using mesoshttp::detail::master_endpoint;
using mesoshttp::detail::parse_master_url;

master_endpoint parse(const std::string& url) {
  master_endpoint ep;
  std::string why;
  EXPECT_FALSE(parse_master_url(url, ep, &why)) << url << ": " << why;
  return ep;
}

leader_fsm three_masters(unsigned max_redirects = 8) {
  return leader_fsm({parse("http://127.0.0.1:5050"), parse("http://127.0.0.1:5051"), parse("http://127.0.0.1:5052")},
                    max_redirects);
}

TEST(MasterUrl, Forms) {
  auto ep = parse("http://127.0.0.1:5050");
  EXPECT_EQ(ep.scheme, "http");
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, "5050");
  EXPECT_EQ(ep.target, "/api/v1/scheduler");
  EXPECT_EQ(ep.url(), "http://127.0.0.1:5050/api/v1/scheduler");
  EXPECT_EQ(parse("127.0.0.1:6000").port, "6000");
  EXPECT_EQ(parse("http://localhost").port, "5050");
  EXPECT_EQ(parse("https://master.example").port, "443");
  EXPECT_TRUE(parse("https://master.example").tls());
  // A path in the configured URL is ignored: the endpoint is fixed.
  EXPECT_EQ(parse("http://127.0.0.1:5050/whatever").target, "/api/v1/scheduler");
  auto v6 = parse("http://[::1]:5050");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.authority(), "[::1]:5050");
}

TEST(MasterUrl, RejectsWithAReason) {
  for (const char* bad : {"ftp://127.0.0.1", "http://", "zk://127.0.0.1:2181/mesos",
                          "http://user:secret@127.0.0.1:5050", "http://127.0.0.1:port"}) {
    master_endpoint ep;
    std::string why;
    EXPECT_EQ(parse_master_url(bad, ep, &why), error::invalid_master_url) << bad;
    EXPECT_FALSE(why.empty()) << bad;
    EXPECT_EQ(why.find("secret"), std::string::npos) << "credentials leaked into: " << why;
  }
}

TEST(LeaderFsm, FollowsProtocolRelativeRedirectKeepingTheScheme) {
  auto fsm = three_masters();
  std::string why;
  ASSERT_FALSE(fsm.on_redirect("//127.0.0.1:5052/master/api/v1/scheduler", &why)) << why;
  EXPECT_EQ(fsm.current().url(), "http://127.0.0.1:5052/master/api/v1/scheduler");
  EXPECT_EQ(fsm.hops(), 1u);
}

TEST(LeaderFsm, FollowsAbsoluteAndHostOnlyRedirects) {
  auto fsm = three_masters();
  std::string why;
  ASSERT_FALSE(fsm.on_redirect("http://127.0.0.1:5051/api/v1/scheduler", &why)) << why;
  EXPECT_EQ(fsm.current().port, "5051");
  auto fsm2 = three_masters();
  ASSERT_FALSE(fsm2.on_redirect("//127.0.0.1:5052", &why)) << why;
  EXPECT_EQ(fsm2.current().port, "5052");
  // No path: the same API on the other master.
  EXPECT_EQ(fsm2.current().target, "/api/v1/scheduler");
  // Whatever API the masters serve: an operator's "/api/v1" stays "/api/v1".
  auto op = parse("http://127.0.0.1:5050");
  op.target = "/api/v1";
  leader_fsm operator_fsm({op}, 4);
  ASSERT_FALSE(operator_fsm.on_redirect("//127.0.0.1:5053", &why)) << why;
  EXPECT_EQ(operator_fsm.current().url(), "http://127.0.0.1:5053/api/v1");
  ASSERT_FALSE(operator_fsm.on_redirect("//127.0.0.1:5054/master/api/v1", &why)) << why;
  EXPECT_EQ(operator_fsm.current().target, "/master/api/v1");
}

TEST(LeaderFsm, HttpsNeverRedirectsToHttp) {
  leader_fsm fsm({parse("https://127.0.0.1:5050")}, 8);
  std::string why;
  EXPECT_EQ(fsm.on_redirect("http://127.0.0.1:5051/api/v1/scheduler", &why), error::insecure_redirect);
  EXPECT_NE(why.find("http://127.0.0.1:5051"), std::string::npos) << why;
  // Protocol-relative keeps https.
  EXPECT_FALSE(fsm.on_redirect("//127.0.0.1:5051/api/v1/scheduler", &why));
  EXPECT_TRUE(fsm.current().tls());
}

TEST(LeaderFsm, DetectsLoops) {
  auto fsm = three_masters();
  std::string why;
  ASSERT_FALSE(fsm.on_redirect("//127.0.0.1:5051/master/api/v1/scheduler", &why));
  EXPECT_EQ(fsm.on_redirect("//127.0.0.1:5050/master/api/v1/scheduler", &why), error::redirect_loop);
  // A master redirecting to itself (stale ZooKeeper state) is a loop too.
  auto self = three_masters();
  EXPECT_EQ(self.on_redirect("//127.0.0.1:5050/master/api/v1/scheduler", &why), error::redirect_loop);
}

TEST(LeaderFsm, LimitsHops) {
  leader_fsm fsm({parse("http://127.0.0.1:6000")}, 2);
  std::string why;
  ASSERT_FALSE(fsm.on_redirect("//127.0.0.1:6001", &why));
  ASSERT_FALSE(fsm.on_redirect("//127.0.0.1:6002", &why));
  EXPECT_EQ(fsm.on_redirect("//127.0.0.1:6003", &why), error::too_many_redirects);
}

TEST(LeaderFsm, BadLocations) {
  auto fsm = three_masters();
  std::string why;
  EXPECT_EQ(fsm.on_redirect("", &why), error::bad_redirect);
  EXPECT_EQ(fsm.on_redirect("ht tp://bad", &why), error::bad_redirect);
  EXPECT_EQ(fsm.on_redirect("ftp://127.0.0.1:21/", &why), error::bad_redirect);
  EXPECT_FALSE(why.empty());
  // Found by fuzz_http_response: a percent-encoded newline in the host was
  // accepted, went into the next request's Host header, and made the next
  // redirect throw. Hosts are plain names or IP addresses.
  for (const char* hostile : {"http://pwF%0ath", "//evil%0d%0aX-Injected.example:5050/", "http://a%20b:5050/"}) {
    EXPECT_EQ(fsm.on_redirect(hostile, &why), error::bad_redirect) << hostile;
    EXPECT_NE(why.find("invalid host name"), std::string::npos) << why;
  }
  EXPECT_EQ(fsm.on_redirect("//127.0.0.1:5060/master/api/v1/scheduler", &why), std::error_code{}) << why;
  EXPECT_EQ(fsm.current().port, "5060");
}

TEST(MasterUrl, HostNamesArePlainNames) {
  master_endpoint ep;
  std::string why;
  EXPECT_EQ(parse_master_url("http://mesos%0a.example:5050", ep, &why), error::invalid_master_url);
  EXPECT_NE(why.find("invalid host name"), std::string::npos) << why;
  EXPECT_FALSE(parse_master_url("http://mesos-1.example_internal:5050", ep, &why)) << why;
  EXPECT_FALSE(parse_master_url("http://10.0.0.1:5050", ep, &why)) << why;
}

TEST(LeaderFsm, FailuresWalkTheListAndSignalAFullRound) {
  auto fsm = three_masters();
  EXPECT_EQ(fsm.current().port, "5050");
  EXPECT_FALSE(fsm.on_failure());
  EXPECT_EQ(fsm.current().port, "5051");
  EXPECT_FALSE(fsm.on_failure());
  EXPECT_EQ(fsm.current().port, "5052");
  EXPECT_TRUE(fsm.on_failure());  // every master failed: back off now
  EXPECT_EQ(fsm.current().port, "5050");
}

TEST(LeaderFsm, ADeadRedirectTargetSendsUsToTheNextConfiguredMaster) {
  auto fsm = three_masters();
  std::string why;
  ASSERT_FALSE(fsm.on_redirect("//127.0.0.1:7000/master/api/v1/scheduler", &why));
  // 127.0.0.1:7000 refuses: the others may still point at it, so ask the
  // next configured master rather than the one that redirected us.
  fsm.on_failure();
  EXPECT_EQ(fsm.current().port, "5051");
  EXPECT_EQ(fsm.hops(), 0u);
}

TEST(LeaderFsm, SubscribedKeepsTheLeaderAndResetsTheRound) {
  auto fsm = three_masters();
  std::string why;
  fsm.on_failure();
  ASSERT_FALSE(fsm.on_redirect("//127.0.0.1:5052/master/api/v1/scheduler", &why));
  fsm.on_subscribed();
  EXPECT_EQ(fsm.current().port, "5052");
  EXPECT_EQ(fsm.hops(), 0u);
  // After a loss, a full round is three failures again.
  EXPECT_FALSE(fsm.on_failure());
  EXPECT_FALSE(fsm.on_failure());
  EXPECT_TRUE(fsm.on_failure());
}

}  // namespace
