// The file framework-id store without a client: the first run, a round trip,
// a kill during a write, and every way the file can be wrong (corrupt,
// another framework's, unreadable), each a clear error naming the file.
#include "mesoshttp/framework/framework_id_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mesoshttp/error.hpp"

namespace {

namespace fs = std::filesystem;
using mesoshttp::error;
using mesoshttp::file_framework_id_store;

class FrameworkIdStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mesoshttp-idstore-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ::chmod(dir_.c_str(), 0755);
    fs::remove_all(dir_);
  }
  void write(const std::string& text) { std::ofstream(file(), std::ios::binary) << text; }
  std::string read() {
    std::ifstream in(file(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path file() const { return dir_ / "framework-id"; }

  fs::path dir_;
};

TEST_F(FrameworkIdStore, TheFirstRunHasNoIdAndNoError) {
  file_framework_id_store store(file(), "web");
  std::error_code ec;
  std::string why;
  EXPECT_EQ(store.load(ec, why), std::nullopt);
  EXPECT_FALSE(ec) << why;
}

TEST_F(FrameworkIdStore, WhatIsSavedIsLoadedByTheNextRun) {
  std::string why;
  ASSERT_FALSE(file_framework_id_store(file(), "web").save("5f0e-0001", why)) << why;
  EXPECT_EQ(read(), "mesoshttp framework id v1\nname web\nid 5f0e-0001\n");
  EXPECT_FALSE(fs::exists(file().string() + ".tmp"));
  std::error_code ec;
  EXPECT_EQ(file_framework_id_store(file(), "web").load(ec, why), "5f0e-0001");
  EXPECT_FALSE(ec) << why;
  // A second save replaces the id.
  ASSERT_FALSE(file_framework_id_store(file(), "web").save("5f0e-0002", why)) << why;
  EXPECT_EQ(file_framework_id_store(file(), "web").load(ec, why), "5f0e-0002");
}

TEST_F(FrameworkIdStore, ClearForgetsTheId) {
  file_framework_id_store store(file(), "web");
  std::string why;
  ASSERT_FALSE(store.save("5f0e-0001", why)) << why;
  ASSERT_FALSE(store.clear(why)) << why;
  EXPECT_FALSE(fs::exists(file()));
  std::error_code ec;
  EXPECT_EQ(store.load(ec, why), std::nullopt);
  EXPECT_FALSE(ec);
  EXPECT_FALSE(store.clear(why)) << "clearing nothing is not an error";
}

// A kill during a write leaves the temporary file beside the real one: the
// old id is still read, and the next save overwrites the leftover.
TEST_F(FrameworkIdStore, AWriteKilledHalfWayLeavesTheOldId) {
  std::string why;
  ASSERT_FALSE(file_framework_id_store(file(), "web").save("old-id", why)) << why;
  std::ofstream(file().string() + ".tmp", std::ios::binary) << "mesoshttp framework id v1\nname w";
  std::error_code ec;
  EXPECT_EQ(file_framework_id_store(file(), "web").load(ec, why), "old-id");
  EXPECT_FALSE(ec) << why;
  ASSERT_FALSE(file_framework_id_store(file(), "web").save("new-id", why)) << why;
  EXPECT_EQ(file_framework_id_store(file(), "web").load(ec, why), "new-id");
}

TEST_F(FrameworkIdStore, ACorruptFileIsAnErrorNamingIt) {
  for (const std::string& text :
       {std::string(), std::string("garbage\n"), std::string("mesoshttp framework id v1\nname web\n"),
        std::string("mesoshttp framework id v1\nname web\nid \n"),
        std::string("mesoshttp framework id v1\nname web\nid a b\n"),
        std::string("mesoshttp framework id v1\nname web\nid abc"),  // torn: no final newline
        std::string("mesoshttp framework id v1\nname web\nid abc\nmore\n"),
        std::string("mesoshttp framework id v2\nname web\nid abc\n"), std::string("\0\0\0\0", 4)}) {
    write(text);
    std::error_code ec;
    std::string why;
    EXPECT_EQ(file_framework_id_store(file(), "web").load(ec, why), std::nullopt) << text;
    EXPECT_EQ(ec, error::framework_id_store) << text;
    EXPECT_NE(why.find(file().string()), std::string::npos) << why;
    EXPECT_NE(why.find("corrupt"), std::string::npos) << why;
  }
}

TEST_F(FrameworkIdStore, AnotherFrameworksFileIsAnErrorNamingBoth) {
  std::string why;
  ASSERT_FALSE(file_framework_id_store(file(), "web").save("abc", why)) << why;
  std::error_code ec;
  EXPECT_EQ(file_framework_id_store(file(), "batch").load(ec, why), std::nullopt);
  EXPECT_EQ(ec, error::framework_id_store);
  EXPECT_NE(why.find(file().string()), std::string::npos) << why;
  EXPECT_NE(why.find("\"web\""), std::string::npos) << why;
  EXPECT_NE(why.find("\"batch\""), std::string::npos) << why;
}

TEST_F(FrameworkIdStore, ANameWithALineBreakStillMatches) {
  std::string why;
  ASSERT_FALSE(file_framework_id_store(file(), "two\nlines").save("abc", why)) << why;
  std::error_code ec;
  EXPECT_EQ(file_framework_id_store(file(), "two\nlines").load(ec, why), "abc");
  EXPECT_FALSE(ec) << why;
}

TEST_F(FrameworkIdStore, AnUnwritableFolderIsAnErrorNamingTheFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes to any folder; the permission check cannot fail";
  ::chmod(dir_.c_str(), 0555);
  std::string why;
  EXPECT_EQ(file_framework_id_store(file(), "web").save("abc", why), error::framework_id_store);
  EXPECT_NE(why.find(file().string()), std::string::npos) << why;
}

TEST_F(FrameworkIdStore, AFolderThatIsNotThereIsAnErrorNamingTheFile) {
  const auto missing = dir_ / "no-such-folder" / "framework-id";
  std::string why;
  EXPECT_EQ(file_framework_id_store(missing, "web").save("abc", why), error::framework_id_store);
  EXPECT_NE(why.find(missing.string()), std::string::npos) << why;
}

TEST_F(FrameworkIdStore, AFileThatCannotBeReadIsAnErrorNamingIt) {
  fs::create_directories(file());  // a folder where the file should be
  std::error_code ec;
  std::string why;
  EXPECT_EQ(file_framework_id_store(file(), "web").load(ec, why), std::nullopt);
  EXPECT_EQ(ec, error::framework_id_store);
  EXPECT_NE(why.find(file().string()), std::string::npos) << why;
}

TEST_F(FrameworkIdStore, AnIdWithSpacesOrNothingIsNotSaved) {
  std::string why;
  EXPECT_EQ(file_framework_id_store(file(), "web").save("", why), error::framework_id_store);
  EXPECT_EQ(file_framework_id_store(file(), "web").save("a\nb", why), error::framework_id_store);
  EXPECT_FALSE(fs::exists(file()));
}

}  // namespace
