// TLS and authentication between the client and the simulated master, over
// real sockets on 127.0.0.1, with certificates generated at test time.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <mutex>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/detail/auth.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace std::chrono_literals;
using mesoshttp::client_event;
using mesoshttp::encoding;
using mesoshttp::error;
using mesoshttp::scheduler_client;
using kind = client_event::kind;

constexpr auto deadline = 20s;

template <class Pred>
client_event wait_for(mesoshttp::event_stream& stream, Pred pred) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    auto item = stream.next(1s, &ec);
    if (!item) {
      if (ec == error::wait_timeout) continue;
      ADD_FAILURE() << "stream ended: " << ec.message();
      return {};
    }
    if (pred(*item)) return *item;
  }
  ADD_FAILURE() << "condition not met within the deadline";
  return {};
}

auto is_kind(kind k) {
  return [k](const client_event& e) { return e.type == k; };
}

class TlsAuth : public ::testing::TestWithParam<encoding> {
 protected:
  std::unique_ptr<mesoshttp::sim::cluster> start_sim(const std::string& cert_name,
                                                     std::vector<std::pair<std::string, std::string>> credentials = {},
                                                     std::vector<std::string> tokens = {}) {
    mesoshttp::sim::cluster_config cfg;
    cfg.heartbeat_interval = 200ms;
    cfg.offer_interval = 50ms;
    if (!cert_name.empty()) {
      cfg.tls_certificate = pki_.cert_file(cert_name);
      cfg.tls_private_key = pki_.key_file(cert_name);
    }
    cfg.credentials = std::move(credentials);
    cfg.bearer_tokens = std::move(tokens);
    auto sim = std::make_unique<mesoshttp::sim::cluster>(cfg);
    sim->start();
    return sim;
  }

  mesoshttp::client_config config(const std::string& url) {
    mesoshttp::client_config cfg;
    cfg.masters = {url};
    cfg.framework.set_user("tester");
    cfg.framework.set_name("tls-auth-test");
    cfg.wire_encoding = GetParam();
    cfg.reconnect.initial_wait = 10ms;
    cfg.reconnect.max_wait = 50ms;
    cfg.tls.ca_file = pki_.ca_cert();
    cfg.min_log_level = mesoshttp::log_level::debug;
    cfg.logger = [this](mesoshttp::log_level, std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_ += std::string(line) + "\n";
    };
    return cfg;
  }

  // The first failed attempt, as a consumer sees it.
  client_event first_failure(mesoshttp::client_config cfg) {
    cfg.reconnect.max_attempts = 1;
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    return wait_for(events,
                    [](const client_event& e) { return e.type == kind::disconnected || e.type == kind::closed; });
  }

  // Subscribes with `cfg` (a failure fails the test) and returns the item.
  client_event subscribes(const mesoshttp::client_config& cfg) {
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    return wait_for(events, is_kind(kind::subscribed));
  }

  std::string log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  mesoshttp::test::test_pki pki_;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_P(TlsAuth, SubscribesAndCallsOverVerifiedTls) {
  auto sim = start_sim("server");
  ASSERT_EQ(sim->url(0).rfind("https://", 0), 0u);
  scheduler_client client(config(sim->url(0)));
  auto events = client.events();
  client.start();
  auto sub = wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(sub.master.rfind("https://", 0), 0u) << sub.master;
  wait_for(events, [](const client_event& e) {
    return e.type == kind::event && e.event->type() == mesos::v1::scheduler::Event::OFFERS;
  });
  auto r = client.async_send(mesoshttp::calls::revive(), boost::asio::use_future);
  ASSERT_EQ(r.wait_for(deadline), std::future_status::ready);
  auto result = r.get();
  EXPECT_TRUE(result) << result.message;
  EXPECT_EQ(result.status, 202u);
}

TEST_P(TlsAuth, FollowsAProtocolRelativeRedirectKeepingHttps) {
  mesoshttp::sim::cluster_config cfg;
  cfg.masters = 2;
  cfg.tls_certificate = pki_.cert_file("server");
  cfg.tls_private_key = pki_.key_file("server");
  mesoshttp::sim::cluster sim(cfg);
  sim.start();
  sim.elect(1);
  scheduler_client client(config(sim.url(0)));
  auto events = client.events();
  client.start();
  auto sub = wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(sub.master, "https://127.0.0.1:" + std::to_string(sim.port(1)) + "/master/api/v1/scheduler");
}

TEST_P(TlsAuth, UnknownCaIsAClearError) {
  auto sim = start_sim("server");
  auto cfg = config(sim->url(0));
  cfg.tls.ca_file = pki_.other_ca_cert();
  auto failure = first_failure(cfg);
  EXPECT_NE(failure.message.find("TLS handshake"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find("local issuer"), std::string::npos) << failure.message;
}

TEST_P(TlsAuth, CaDirectoryOfHashedCertificatesIsTrusted) {
  auto sim = start_sim("server");
  auto cfg = config(sim->url(0));
  cfg.tls.ca_file.clear();
  cfg.tls.ca_dir = pki_.ca_dir();
  subscribes(cfg);
}

TEST_P(TlsAuth, VerificationOffAcceptsAnUntrustedMasterAndOnByDefaultRefusesIt) {
  auto sim = start_sim("wrong-host");
  auto cfg = config(sim->url(0));
  cfg.tls.ca_file.clear();  // the system's store: it does not know the test CA
  auto refused = first_failure(cfg);
  EXPECT_NE(refused.message.find("certificate verify failed"), std::string::npos) << refused.message;
  cfg.tls.verify_peer = false;
  subscribes(cfg);
}

TEST_P(TlsAuth, WrongHostIsAClearError) {
  auto sim = start_sim("wrong-host");
  auto failure = first_failure(config(sim->url(0)));
  EXPECT_NE(failure.message.find("hostname mismatch"), std::string::npos) << failure.message;
}

TEST_P(TlsAuth, ExpiredCertificateIsAClearError) {
  auto sim = start_sim("expired");
  auto failure = first_failure(config(sim->url(0)));
  EXPECT_NE(failure.message.find("expired"), std::string::npos) << failure.message;
}

TEST_P(TlsAuth, ServerNameOverrideMatchesACertificateForAnotherName) {
  auto sim = start_sim("wrong-host");
  auto cfg = config(sim->url(0));
  cfg.tls.server_name = "master.elsewhere.example";
  subscribes(cfg);
}

TEST_P(TlsAuth, MissingCaFileClosesWithTheReason) {
  auto cfg = config("https://127.0.0.1:1");
  cfg.tls.ca_file = "/nonexistent/ca.pem";
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::invalid_configuration) << closed.message;
  EXPECT_NE(closed.message.find("TLS configuration"), std::string::npos) << closed.message;
}

// Mutual TLS: the master asks for a client certificate from our CA.
std::unique_ptr<mesoshttp::sim::cluster> start_mutual_tls_sim(const mesoshttp::test::test_pki& pki) {
  mesoshttp::sim::cluster_config cfg;
  cfg.heartbeat_interval = 200ms;
  cfg.tls_certificate = pki.cert_file("server");
  cfg.tls_private_key = pki.key_file("server");
  cfg.tls_client_ca = pki.ca_cert();
  auto sim = std::make_unique<mesoshttp::sim::cluster>(cfg);
  sim->start();
  return sim;
}

TEST_P(TlsAuth, ClientCertificateIsPresentedToAMasterThatRequiresOne) {
  auto sim = start_mutual_tls_sim(pki_);
  auto cfg = config(sim->url(0));
  cfg.tls.client_certificate_file = pki_.cert_file("client");
  cfg.tls.client_private_key_file = pki_.key_file("client");
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  auto r = client.async_send(mesoshttp::calls::suppress(), boost::asio::use_future);
  ASSERT_EQ(r.wait_for(deadline), std::future_status::ready);
  auto result = r.get();
  EXPECT_EQ(result.status, 202u) << result.message;
}

TEST_P(TlsAuth, NoClientCertificateIsAClearError) {
  auto sim = start_mutual_tls_sim(pki_);
  auto failure = first_failure(config(sim->url(0)));
  EXPECT_EQ(failure.type, kind::disconnected);
  // TLS 1.3 reports it as the master's alert when the answer is read.
  EXPECT_NE(failure.message.find("certificate required"), std::string::npos) << failure.message;
  EXPECT_EQ(sim->subscribers(), 0u);
}

TEST_P(TlsAuth, ClientCertificateFromAnUnknownCaIsAClearError) {
  auto sim = start_mutual_tls_sim(pki_);
  auto cfg = config(sim->url(0));
  cfg.tls.client_certificate_file = pki_.cert_file("stranger-client");
  cfg.tls.client_private_key_file = pki_.key_file("stranger-client");
  auto failure = first_failure(cfg);
  EXPECT_NE(failure.message.find("unknown ca"), std::string::npos) << failure.message;
  EXPECT_EQ(sim->subscribers(), 0u);
}

TEST_P(TlsAuth, ClientCertificateWithoutItsKeyOrWithAnotherKeyIsAConfigurationError) {
  {
    auto cfg = config("https://127.0.0.1:1");
    cfg.tls.client_certificate_file = pki_.cert_file("client");
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    auto closed = wait_for(events, is_kind(kind::closed));
    EXPECT_NE(closed.message.find("needs its private key"), std::string::npos) << closed.message;
  }
  {
    auto cfg = config("https://127.0.0.1:1");
    cfg.tls.client_certificate_file = pki_.cert_file("client");
    cfg.tls.client_private_key_file = pki_.key_file("server");
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    auto closed = wait_for(events, is_kind(kind::closed));
    EXPECT_NE(closed.message.find("key values mismatch"), std::string::npos) << closed.message;
    EXPECT_NE(closed.message.find(pki_.key_file("server")), std::string::npos) << closed.message;
  }
}

TEST(SimTls, ClientCaWithoutAServerCertificateIsRefused) {
  mesoshttp::sim::cluster_config cfg;
  cfg.tls_client_ca = "/tmp/ca.pem";
  mesoshttp::sim::cluster sim(cfg);
  EXPECT_THROW(sim.start(), std::invalid_argument);
}

TEST_P(TlsAuth, MissingCredentialsEndWithThe401) {
  auto sim = start_sim("", {{"principal-1", "s3cret-value"}});
  scheduler_client client(config(sim->url(0)));
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::subscribe_rejected);
  EXPECT_NE(closed.message.find("401"), std::string::npos) << closed.message;
}

TEST_P(TlsAuth, BasicCredentialsOverTlsAndTheSecretIsNeverLogged) {
  const std::string secret = "s3cret-value";
  auto sim = start_sim("server", {{"principal-1", secret}});
  auto cfg = config(sim->url(0));
  cfg.credentials = mesoshttp::credentials{"principal-1", secret};
  std::string seen;
  {
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    auto sub = wait_for(events, is_kind(kind::subscribed));
    seen += sub.message + sub.master;
    // The framework subscribed as the principal it authenticated as.
    ASSERT_EQ(sim->frameworks().size(), 1u);
    EXPECT_EQ(sim->frameworks()[0].principal, "principal-1");
    auto r = client.async_send(mesoshttp::calls::suppress(), boost::asio::use_future);
    ASSERT_EQ(r.wait_for(deadline), std::future_status::ready);
    auto result = r.get();
    EXPECT_TRUE(result) << result.message;
    seen += result.message + result.body;
  }
  // Wrong secret: rejected, and neither secret shows up anywhere.
  auto bad = cfg;
  bad.credentials = mesoshttp::credentials{"principal-1", "wrong-" + secret};
  {
    scheduler_client client(bad);
    auto events = client.events();
    client.start();
    auto closed = wait_for(events, is_kind(kind::closed));
    EXPECT_EQ(closed.error, error::subscribe_rejected);
    seen += closed.message;
  }
  seen += log();
  EXPECT_EQ(seen.find(secret), std::string::npos);
  EXPECT_EQ(seen.find(mesoshttp::detail::basic_authorization("principal-1", secret)), std::string::npos);
  EXPECT_FALSE(log().empty());  // it did log; just never the secret
}

TEST_P(TlsAuth, ProviderIsAskedAgainOnceAfterA401) {
  auto sim = start_sim("", {}, {"fresh-token"});
  auto cfg = config(sim->url(0));
  std::atomic<int> asked{0}, refreshed{0};
  cfg.authorization = [&](bool refresh) -> std::optional<std::string> {
    ++asked;
    if (refresh) ++refreshed;
    return refresh ? "Bearer fresh-token" : "Bearer expired-token";
  };
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(refreshed.load(), 1);
  auto r = client.async_send(mesoshttp::calls::revive(), boost::asio::use_future);
  ASSERT_EQ(r.wait_for(deadline), std::future_status::ready);
  EXPECT_TRUE(r.get());
  EXPECT_EQ(refreshed.load(), 1);  // the refreshed token is kept
}

TEST_P(TlsAuth, ProviderThatCannotRefreshEndsWithThe401) {
  auto sim = start_sim("", {}, {"fresh-token"});
  auto cfg = config(sim->url(0));
  std::atomic<int> refreshed{0};
  cfg.authorization = [&](bool refresh) -> std::optional<std::string> {
    if (refresh) ++refreshed;
    return "Bearer never-valid";
  };
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::subscribe_rejected);
  EXPECT_EQ(refreshed.load(), 1);  // asked again once, not in a loop
}

INSTANTIATE_TEST_SUITE_P(Encodings, TlsAuth, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
