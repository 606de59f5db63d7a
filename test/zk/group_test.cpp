// zk:// URLs, the leader among a group's znodes and the MasterInfo in it:
// everything the detector decides, without a ZooKeeper server.
#include "mesoshttp/zk/group.hpp"

#include <gtest/gtest.h>

#include "mesoshttp/error.hpp"

namespace {

using mesoshttp::error;
using mesoshttp::zk::leader_of;
using mesoshttp::zk::master_node_sequence;
using mesoshttp::zk::parse_master_info_json;
using mesoshttp::zk::parse_zk_url;
using mesoshttp::zk::zk_url;

zk_url parse(const std::string& url) {
  zk_url out;
  std::string why;
  EXPECT_FALSE(parse_zk_url(url, out, &why)) << url << ": " << why;
  return out;
}

TEST(ZkUrl, HostsPathAndCredentials) {
  auto u = parse("zk://h1:2181,h2:2182/mesos");
  EXPECT_EQ(u.hosts, "h1:2181,h2:2182");
  EXPECT_EQ(u.path, "/mesos");
  EXPECT_FALSE(u.credentials);
  EXPECT_EQ(u.redacted(), "zk://h1:2181,h2:2182/mesos");

  u = parse("zk://user:s3cr:et@127.0.0.1:2181/a/b");
  ASSERT_TRUE(u.credentials);
  EXPECT_EQ(*u.credentials, "user:s3cr:et");
  EXPECT_EQ(u.hosts, "127.0.0.1:2181");
  EXPECT_EQ(u.path, "/a/b");
  EXPECT_EQ(u.redacted().find("s3cr"), std::string::npos);
}

TEST(ZkUrl, DefaultPortTrailingSlashIpv6AndRoot) {
  EXPECT_EQ(parse("zk://zk1,zk2:3000/mesos").hosts, "zk1:2181,zk2:3000");
  EXPECT_EQ(parse("zk://h:2181/mesos/").path, "/mesos");
  EXPECT_EQ(parse("zk://[::1]:2181/mesos").hosts, "[::1]:2181");
  EXPECT_EQ(parse("zk://[::1]/mesos").hosts, "[::1]:2181");
  EXPECT_EQ(parse("zk://h:2181/").path, "/");
}

TEST(ZkUrl, RejectsWithAReasonAndNeverLeaksCredentials) {
  for (const char* bad : {
           "http://127.0.0.1:5050",             // not zk
           "zk://127.0.0.1:2181",               // no path
           "zk:///mesos",                       // no host
           "zk://h1:2181,,h2:2181/mesos",       // empty host
           "zk://h1:port/mesos",                // bad port
           "zk://h1:0/mesos",                   // port 0
           "zk://h1:70000/mesos",               // port too large
           "zk://h1:/mesos",                    // empty port
           "zk://::1:2181/mesos",               // IPv6 without brackets
           "zk://h1:2181/mesos//x",             // empty segment
           "zk://h1:2181/mesos/../x",           // dot segment
           "zk://h1:2181/mesos?x=1",            // query
           "zk://secretonly@h1:2181/mesos",     // credentials without ':'
           "zk://user:secret@/mesos",           // credentials, no host
           "zk://user:secret@h1:bad/mesos",     // credentials, bad port
           "zk://ops:xy/secret@h1:2181/mesos",  // a '/' in the password: "ops:xy" is no host
           "zk://ops:2181/secret@h1/mesos",     // ... and "ops:2181" would have been one
       }) {
    zk_url out;
    std::string why;
    EXPECT_EQ(parse_zk_url(bad, out, &why), error::invalid_master_url) << bad;
    EXPECT_FALSE(why.empty()) << bad;
    EXPECT_EQ(why.find("secret"), std::string::npos) << "credentials leaked into: " << why;
    for (const char* part : {"ops:xy", "ops:2181"})
      EXPECT_EQ(why.find(part), std::string::npos) << "credentials leaked into: " << why;
  }
}

TEST(LeaderOf, LowestSequenceAmongMasterNodesOnly) {
  EXPECT_EQ(leader_of({"json.info_0000000012", "json.info_0000000003", "json.info_0000000007"}),
            "json.info_0000000003");
  // The replicated log's nodes, legacy or malformed names are not masters,
  // even when their number would be lower.
  EXPECT_EQ(leader_of({"log_replicas", "0000000001", "info_0000000001", "json.info_000000001", "json.info_00000000001",
                       "json.info_00000000x1", "json.info_", "xjson.info_0000000001", "json.info_0000000009"}),
            "json.info_0000000009");
  // Numbers are compared, not strings of different lengths, and ZooKeeper's
  // counter can pass 2^31 (it is signed in the server: 10 digits still).
  EXPECT_EQ(leader_of({"json.info_2147483648", "json.info_0999999999"}), "json.info_0999999999");
}

TEST(LeaderOf, NoMasterNoLeader) {
  EXPECT_EQ(leader_of({}), std::nullopt);
  EXPECT_EQ(leader_of({"log_replicas", "something"}), std::nullopt);
  EXPECT_EQ(master_node_sequence("json.info_0000000042"), 42u);
  EXPECT_EQ(master_node_sequence("json.info_42"), std::nullopt);
}

// As a Mesos 1.11 master writes it (real-master-answers.md).
constexpr const char* real_master_info =
    R"({"address":{"hostname":"127.0.0.1","ip":"127.0.0.1","port":5062},)"
    R"("capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],)"
    R"("hostname":"127.0.0.1","id":"6a3c1f0e-7f38-4c55-9a4e-0d2b7c1e9f11","ip":16777343,)"
    R"("pid":"master@127.0.0.1:5062","port":5062,"version":"1.11.0"})";

std::string url_of(const std::string& json) {
  std::string url;
  std::string why;
  EXPECT_FALSE(parse_master_info_json(json, url, &why)) << json << ": " << why;
  return url;
}

TEST(MasterInfoJson, RealMasterNode) {
  std::string url;
  std::string why;
  mesos::v1::MasterInfo info;
  ASSERT_FALSE(parse_master_info_json(real_master_info, url, &why, &info)) << why;
  EXPECT_EQ(url, "http://127.0.0.1:5062");
  EXPECT_EQ(info.version(), "1.11.0");
}

TEST(MasterInfoJson, AddressWinsThenTopLevelFields) {
  // address.hostname over everything else.
  EXPECT_EQ(url_of(R"({"id":"a","ip":16777343,"port":5050,"hostname":"top",)"
                   R"("address":{"hostname":"addr","ip":"10.0.0.1","port":6000}})"),
            "http://addr:6000");
  // address.ip when address has no hostname.
  EXPECT_EQ(url_of(R"({"id":"a","ip":16777343,"port":5050,"hostname":"top",)"
                   R"("address":{"ip":"10.0.0.1","port":6000}})"),
            "http://10.0.0.1:6000");
  // No address: hostname and port.
  EXPECT_EQ(url_of(R"({"id":"a","ip":16777343,"port":5051,"hostname":"master-1"})"), "http://master-1:5051");
  // Nothing but the required fields: the packed ip.
  EXPECT_EQ(url_of(R"({"id":"a","ip":16777343,"port":5052})"), "http://127.0.0.1:5052");
  EXPECT_EQ(url_of(R"({"id":"a","ip":16885952,"port":5052})"), "http://192.168.1.1:5052");
  // IPv6 hosts are bracketed in the URL.
  EXPECT_EQ(url_of(R"({"id":"a","ip":0,"port":5050,"address":{"ip":"::1","port":5050}})"), "http://[::1]:5050");
  // Fields this schema does not know are ignored (newer masters add some).
  EXPECT_EQ(url_of(R"({"id":"a","ip":16777343,"port":5050,"shiny_new_field":{"x":[1,2]}})"), "http://127.0.0.1:5050");
}

TEST(MasterInfoJson, ClearErrors) {
  struct bad_case {
    const char* json;
    error expected;
    const char* mentions;
  };
  for (const auto& c : {
           bad_case{"", error::decode_failed, ""},
           bad_case{"not json", error::decode_failed, ""},
           bad_case{R"({"id":"a","ip":"not a number","port":5050})", error::decode_failed, ""},
           bad_case{R"({"ip":16777343,"port":5050})", error::missing_required_fields, "id"},
           bad_case{R"({"id":"a","port":5050})", error::missing_required_fields, "ip"},
           bad_case{R"({"id":"a","ip":16777343,"port":0})", error::decode_failed, "port"},
           bad_case{R"({"id":"a","ip":16777343,"port":70000})", error::decode_failed, "port"},
           bad_case{R"({"id":"a","ip":0,"port":5050})", error::decode_failed, "hostname"},
       }) {
    std::string url = "unchanged";
    std::string why;
    EXPECT_EQ(parse_master_info_json(c.json, url, &why), c.expected) << c.json << ": " << why;
    EXPECT_FALSE(why.empty()) << c.json;
    EXPECT_NE(why.find(c.mentions), std::string::npos) << c.json << ": " << why;
    EXPECT_EQ(url, "unchanged") << c.json;
  }
}

}  // namespace
