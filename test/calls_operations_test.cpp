// The builders of offer operations (launch, reserve, volumes, ...): each sets
// its type and its payload.
#include "mesoshttp/calls.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "support/calls_support.hpp"

namespace {

using namespace mesoshttp::test;

TEST(Operations, EachSetsItsTypeAndPayload) {
  using Op = v1::Offer::Operation;
  v1::TaskInfo task = *calls::task_from_offer(sample_offer(), "t", "true", 0.1, 32);
  v1::ExecutorInfo exec;
  exec.mutable_executor_id()->set_value("E");
  exec.set_type(v1::ExecutorInfo::DEFAULT);
  v1::TaskGroupInfo group;
  *group.add_tasks() = task;
  auto volume = calls::scalar("disk", 100, "*");
  volume.mutable_disk()->mutable_persistence()->set_id("v1");
  volume.mutable_disk()->mutable_volume()->set_container_path("data");
  volume.mutable_disk()->mutable_volume()->set_mode(v1::Volume::RW);
  auto raw = calls::scalar("disk", 1000);
  raw.mutable_disk()->mutable_source()->set_type(v1::Resource::DiskInfo::Source::RAW);

  struct expect {
    Op op;
    Op::Type type;
    const char* payload;
  };
  const std::vector<expect> all = {
      {ops::launch({task}), Op::LAUNCH, "launch"},
      {ops::launch_group(exec, group), Op::LAUNCH_GROUP, "launch_group"},
      {ops::reserve({calls::with_reservation(calls::scalar("cpus", 1), "web")}), Op::RESERVE, "reserve"},
      {ops::unreserve({calls::scalar("cpus", 1)}), Op::UNRESERVE, "unreserve"},
      {ops::create({volume}), Op::CREATE, "create"},
      {ops::destroy({volume}), Op::DESTROY, "destroy"},
      {ops::grow_volume(volume, calls::scalar("disk", 50)), Op::GROW_VOLUME, "grow_volume"},
      {ops::shrink_volume(volume, 25), Op::SHRINK_VOLUME, "shrink_volume"},
      {ops::create_disk(raw, v1::Resource::DiskInfo::Source::MOUNT, "fast"), Op::CREATE_DISK, "create_disk"},
      {ops::destroy_disk(raw), Op::DESTROY_DISK, "destroy_disk"},
  };
  std::set<int> covered;
  for (const auto& e : all) {
    SCOPED_TRACE(e.payload);
    EXPECT_EQ(e.op.type(), e.type);
    covered.insert(e.type);
    const auto* field = Op::descriptor()->FindFieldByName(e.payload);
    ASSERT_NE(field, nullptr);
    EXPECT_TRUE(e.op.GetReflection()->HasField(e.op, field));
    EXPECT_TRUE(e.op.IsInitialized()) << e.op.InitializationErrorString();
    EXPECT_FALSE(e.op.has_id());
    // Operations travel inside ACCEPT: check they survive both encodings.
    auto call = calls::accept({calls::offer_id("O1")}, {e.op});
    for (auto enc : {mesoshttp::encoding::protobuf, mesoshttp::encoding::json}) {
      std::string bytes, why;
      ASSERT_FALSE(mesoshttp::encode(call, enc, bytes, &why)) << why;
      Call back;
      ASSERT_FALSE(mesoshttp::decode(bytes, enc, back, &why)) << why;
      EXPECT_TRUE(MessageDifferencer::Equals(call, back));
    }
  }
  // Every operation type of the schema has a builder.
  for (int i = 0; i < Op::Type_descriptor()->value_count(); ++i) {
    const int n = Op::Type_descriptor()->value(i)->number();
    if (n != Op::UNKNOWN) {
      EXPECT_EQ(covered.count(n), 1u) << Op::Type_descriptor()->value(i)->name();
    }
  }
}

TEST(Operations, PayloadContents) {
  auto src = calls::scalar("cpus", 2);
  auto res = calls::with_reservation(calls::scalar("cpus", 2), "web", "alice");
  auto r = ops::reserve({res}, {src});
  ASSERT_EQ(r.reserve().resources_size(), 1);
  ASSERT_EQ(r.reserve().source_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(r.reserve().source(0), src));
  EXPECT_EQ(r.reserve().resources(0).reservations(0).principal(), "alice");

  auto s = ops::shrink_volume(calls::scalar("disk", 10), 2.5);
  EXPECT_EQ(s.shrink_volume().subtract().value(), 2.5);
  auto cd = ops::create_disk(calls::scalar("disk", 1), v1::Resource::DiskInfo::Source::BLOCK);
  EXPECT_EQ(cd.create_disk().target_type(), v1::Resource::DiskInfo::Source::BLOCK);
  EXPECT_FALSE(cd.create_disk().has_target_profile());
  EXPECT_EQ(ops::create_disk(calls::scalar("disk", 1), v1::Resource::DiskInfo::Source::MOUNT, "p")
                .create_disk()
                .target_profile(),
            "p");
  auto withid = ops::with_id(ops::unreserve({res}), "op-7");
  EXPECT_EQ(withid.id().value(), "op-7");
  EXPECT_EQ(withid.type(), v1::Offer::Operation::UNRESERVE);
}

}  // namespace
