// The scheduler client with a framework-id store, over real sockets against
// the simulated master, in both encodings: the id of SUBSCRIBED is stored
// before anyone sees it, a restarted client fails over to it, a removed
// framework ends the client (no endless resubscribe with a dead id) and
// clears the store, a framework taken over by another scheduler ends the
// client, and a store that cannot be used stops the client before it
// subscribes as somebody else.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/framework_id_store.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "../support/client_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mesoshttp::test;
using mesoshttp::file_framework_id_store;

class ClientIdStore : public Client {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mesoshttp-client-idstore-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(GetParam() == encoding::json));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<file_framework_id_store> store(const std::string& name = "client-test") {
    return std::make_shared<file_framework_id_store>(dir_ / "framework-id", name);
  }
  std::optional<std::string> stored() {
    std::error_code ec;
    std::string why;
    auto id = store()->load(ec, why);
    EXPECT_FALSE(ec) << why;
    return id;
  }
  fs::path dir_;
};

TEST_P(ClientIdStore, StoresTheIdThenARestartedClientFailsOverToIt) {
  start_sim();
  std::string first_id;
  {
    auto cfg = config();
    cfg.framework_id_store = store();
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    auto subscribed = wait_for(events, is_kind(kind::subscribed));
    first_id = subscribed.framework_id;
    // Stored before the `subscribed` item was published.
    EXPECT_EQ(stored(), first_id);
  }  // the process "dies": the stream closes, the framework waits out its failover_timeout
  auto cfg = config();
  cfg.framework_id_store = store();
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto subscribed = wait_for(events, is_kind(kind::subscribed));
  EXPECT_EQ(subscribed.framework_id, first_id);
  ASSERT_TRUE(client.framework_id());
  EXPECT_EQ(client.framework_id()->value(), first_id);
  // One framework in the master, subscribed twice with the same id.
  EXPECT_EQ(sim_->frameworks().size(), 1u);
  std::size_t subscribes_with_the_id = 0;
  for (const auto& call : sim_->calls())
    if (call.type == "SUBSCRIBE" && call.framework_id == first_id) ++subscribes_with_the_id;
  EXPECT_EQ(subscribes_with_the_id, 2u);
}

TEST_P(ClientIdStore, TeardownClearsTheStoreAndAStaleIdEndsTheClientAsRemoved) {
  start_sim();
  auto cfg = config();
  cfg.framework_id_store = store();
  std::string removed_id;
  {
    scheduler_client client(cfg);
    auto events = client.events();
    client.start();
    removed_id = wait_for(events, is_kind(kind::subscribed)).framework_id;
    ASSERT_EQ(stored(), removed_id);
    client.teardown();
    wait_for(events, is_kind(kind::closed));
  }
  EXPECT_FALSE(fs::exists(dir_ / "framework-id")) << "a torn-down framework's id is forgotten";

  // A store that still holds the removed id (say, restored from a backup).
  std::string why;
  ASSERT_FALSE(store()->save(removed_id, why)) << why;
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  std::vector<client_event> seen;
  auto closed = wait_for(events, is_kind(kind::closed), &seen);
  EXPECT_EQ(closed.error, error::framework_removed) << closed.message;
  EXPECT_NE(closed.message.find("Framework has been removed"), std::string::npos) << closed.message;
  for (const auto& item : seen) EXPECT_NE(item.type, kind::subscribed);
  EXPECT_EQ(client.state(), mesoshttp::connection_state::closed);
  EXPECT_FALSE(fs::exists(dir_ / "framework-id")) << "the dead id is forgotten: the next run registers anew";
  // It tried once, and not again.
  std::size_t subscribes = 0;
  for (const auto& call : sim_->calls())
    if (call.type == "SUBSCRIBE" && call.framework_id == removed_id) ++subscribes;
  EXPECT_EQ(subscribes, 2u);  // the first run's and this one's
}

TEST_P(ClientIdStore, AFrameworkTakenOverByAnotherSchedulerEndsTheClient) {
  start_sim();
  scheduler_client first(config());
  auto first_events = first.events();
  first.start();
  const auto id = wait_for(first_events, is_kind(kind::subscribed)).framework_id;

  auto cfg = config();
  cfg.framework.mutable_id()->set_value(id);
  scheduler_client second(cfg);
  auto second_events = second.events();
  second.start();
  wait_for(second_events, is_kind(kind::subscribed));

  auto closed = wait_for(first_events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::framework_failed_over) << closed.message;
  // The second keeps the framework: no ping-pong.
  auto r = send_and_wait(second, mesoshttp::calls::revive());
  EXPECT_TRUE(r) << r.message;
  EXPECT_EQ(second.state(), mesoshttp::connection_state::subscribed);
}

TEST_P(ClientIdStore, ACorruptStoreStopsTheClientBeforeItSubscribes) {
  start_sim();
  std::ofstream(dir_ / "framework-id") << "not a framework id file\n";
  auto cfg = config();
  cfg.framework_id_store = store();
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::framework_id_store);
  EXPECT_NE(closed.message.find((dir_ / "framework-id").string()), std::string::npos) << closed.message;
  EXPECT_TRUE(sim_->calls().empty()) << "nothing was sent";
  // And the file is left as it was, for a person to look at.
  std::ifstream in(dir_ / "framework-id");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "not a framework id file\n");
}

TEST_P(ClientIdStore, AConfiguredIdThatDiffersFromTheStoredOneIsAConfigurationError) {
  start_sim();
  std::string why;
  ASSERT_FALSE(store()->save("stored-id", why)) << why;
  auto cfg = config();
  cfg.framework_id_store = store();
  cfg.framework.mutable_id()->set_value("configured-id");
  scheduler_client client(cfg);
  auto events = client.events();
  client.start();
  auto closed = wait_for(events, is_kind(kind::closed));
  EXPECT_EQ(closed.error, error::invalid_configuration);
  EXPECT_NE(closed.message.find("stored-id"), std::string::npos) << closed.message;
  EXPECT_NE(closed.message.find("configured-id"), std::string::npos) << closed.message;
}

INSTANTIATE_TEST_SUITE_P(Encodings, ClientIdStore, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
