// The project's .proto files (proto/, written by tools/protogen) must describe
// exactly the wire schema of the reference facts: a name, number, type or
// default that differs means a real master misreads or ignores our messages.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mesos/v1/agent/agent.pb.h"
#include "mesos/v1/allocator/allocator.pb.h"
#include "mesos/v1/executor/executor.pb.h"
#include "mesos/v1/maintenance/maintenance.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/quota/quota.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace {

namespace pb = google::protobuf;

const std::filesystem::path kShared = MESOSHTTP_SHARED_DIR;
const std::filesystem::path kDescriptors = kShared / "mesos-v1-descriptors.txtpb";
// Every package of the v1 APIs: the scheduler's, the executor's and the
// operator's (master, agent and the maintenance, quota and allocator types
// their calls carry).
const char* const kFiles[] = {
    "mesos/v1/mesos.proto",         "mesos/v1/scheduler/scheduler.proto", "mesos/v1/executor/executor.proto",
    "mesos/v1/master/master.proto", "mesos/v1/agent/agent.proto",         "mesos/v1/maintenance/maintenance.proto",
    "mesos/v1/quota/quota.proto",   "mesos/v1/allocator/allocator.proto"};

// Messages (nested ones and map entries included) and fields a file declares.
struct declared_counts {
  int messages = 0;
  int fields = 0;
};
declared_counts count_declared(const pb::FileDescriptor* file) {
  declared_counts n;
  std::vector<const pb::Descriptor*> todo;
  for (int i = 0; i < file->message_type_count(); ++i) todo.push_back(file->message_type(i));
  while (!todo.empty()) {
    const auto* d = todo.back();
    todo.pop_back();
    ++n.messages;
    n.fields += d->field_count();
    for (int i = 0; i < d->nested_type_count(); ++i) todo.push_back(d->nested_type(i));
  }
  return n;
}

// ---------------------------------------------------------------- comparator

struct comparison {
  std::vector<std::string> differences;
  int messages = 0;
  int enums = 0;
  int fields = 0;
};

std::string label_name(pb::FieldDescriptor::Label l) {
  switch (l) {
    case pb::FieldDescriptor::LABEL_OPTIONAL: return "optional";
    case pb::FieldDescriptor::LABEL_REQUIRED: return "required";
    case pb::FieldDescriptor::LABEL_REPEATED: return "repeated";
  }
  return "?";
}

std::string type_name_of(const pb::FieldDescriptor* f) {
  if (f->message_type()) return f->message_type()->full_name();
  if (f->enum_type()) return f->enum_type()->full_name();
  return "";
}

// The default as the descriptor format spells it ("" when none).
std::string default_of(const pb::FieldDescriptor* f) {
  pb::FieldDescriptorProto proto;
  f->CopyTo(&proto);
  return proto.has_default_value() ? "\"" + proto.default_value() + "\"" : "(none)";
}

std::string oneof_of(const pb::FieldDescriptor* f) {
  const auto* o = f->real_containing_oneof();
  return o ? o->name() : "(none)";
}

class comparator {
 public:
  explicit comparator(comparison& out) : out_(out) {}

  void files(const pb::FileDescriptor* ref, const pb::FileDescriptor* ours) {
    const std::string where = ref->name();
    check(where, "package", ref->package(), ours->package());
    for (int i = 0; i < ref->message_type_count(); ++i) {
      const auto* r = ref->message_type(i);
      const auto* o = ours->FindMessageTypeByName(r->name());
      if (!o)
        missing(r->full_name(), "message");
      else
        message(r, o);
    }
    for (int i = 0; i < ours->message_type_count(); ++i)
      if (!ref->FindMessageTypeByName(ours->message_type(i)->name()))
        extra(ours->message_type(i)->full_name(), "message");
    for (int i = 0; i < ref->enum_type_count(); ++i) {
      const auto* r = ref->enum_type(i);
      const auto* o = ours->FindEnumTypeByName(r->name());
      if (!o)
        missing(r->full_name(), "enum");
      else
        enumeration(r, o);
    }
    for (int i = 0; i < ours->enum_type_count(); ++i)
      if (!ref->FindEnumTypeByName(ours->enum_type(i)->name())) extra(ours->enum_type(i)->full_name(), "enum");
  }

 private:
  void message(const pb::Descriptor* ref, const pb::Descriptor* ours) {
    ++out_.messages;
    const std::string where = ref->full_name();
    check(where, "map_entry", ref->options().map_entry(), ours->options().map_entry());
    for (int i = 0; i < ref->field_count(); ++i) {
      const auto* r = ref->field(i);
      const auto* o = ours->FindFieldByName(r->name());
      if (!o)
        missing(where + "." + r->name(), "field");
      else
        field(r, o);
    }
    for (int i = 0; i < ours->field_count(); ++i)
      if (!ref->FindFieldByName(ours->field(i)->name())) extra(where + "." + ours->field(i)->name(), "field");
    for (int i = 0; i < ref->oneof_decl_count(); ++i)
      if (!ours->FindOneofByName(ref->oneof_decl(i)->name()))
        missing(where + "." + ref->oneof_decl(i)->name(), "oneof");
    for (int i = 0; i < ours->oneof_decl_count(); ++i)
      if (!ref->FindOneofByName(ours->oneof_decl(i)->name())) extra(where + "." + ours->oneof_decl(i)->name(), "oneof");
    for (int i = 0; i < ref->nested_type_count(); ++i) {
      const auto* r = ref->nested_type(i);
      const auto* o = ours->FindNestedTypeByName(r->name());
      if (!o)
        missing(r->full_name(), "message");
      else
        message(r, o);
    }
    for (int i = 0; i < ours->nested_type_count(); ++i)
      if (!ref->FindNestedTypeByName(ours->nested_type(i)->name())) extra(ours->nested_type(i)->full_name(), "message");
    for (int i = 0; i < ref->enum_type_count(); ++i) {
      const auto* r = ref->enum_type(i);
      const auto* o = ours->FindEnumTypeByName(r->name());
      if (!o)
        missing(r->full_name(), "enum");
      else
        enumeration(r, o);
    }
    for (int i = 0; i < ours->enum_type_count(); ++i)
      if (!ref->FindEnumTypeByName(ours->enum_type(i)->name())) extra(ours->enum_type(i)->full_name(), "enum");
  }

  void field(const pb::FieldDescriptor* ref, const pb::FieldDescriptor* ours) {
    ++out_.fields;
    const std::string where = ref->full_name();
    check(where, "number", ref->number(), ours->number());
    check(where, "label", label_name(ref->label()), label_name(ours->label()));
    check(where, "type", std::string(ref->type_name()), std::string(ours->type_name()));
    check(where, "type_name", type_name_of(ref), type_name_of(ours));
    check(where, "default", default_of(ref), default_of(ours));
    check(where, "json_name", ref->json_name(), ours->json_name());
    check(where, "oneof", oneof_of(ref), oneof_of(ours));
    check(where, "map", ref->is_map(), ours->is_map());
    check(where, "packed", ref->is_packed(), ours->is_packed());
  }

  void enumeration(const pb::EnumDescriptor* ref, const pb::EnumDescriptor* ours) {
    ++out_.enums;
    const std::string where = ref->full_name();
    for (int i = 0; i < ref->value_count(); ++i) {
      const auto* r = ref->value(i);
      const auto* o = ours->FindValueByName(r->name());
      if (!o)
        missing(where + "." + r->name(), "enum value");
      else
        check(where + "." + r->name(), "number", r->number(), o->number());
    }
    for (int i = 0; i < ours->value_count(); ++i)
      if (!ref->FindValueByName(ours->value(i)->name())) extra(where + "." + ours->value(i)->name(), "enum value");
  }

  template <class T>
  void check(const std::string& where, const char* what, const T& ref, const T& ours) {
    if (ref == ours) return;
    std::ostringstream s;
    s << where << ": " << what << " is " << ours << ", the reference says " << ref;
    out_.differences.push_back(s.str());
  }
  void missing(const std::string& name, const char* kind) {
    out_.differences.push_back(name + ": " + kind + " missing from our schema");
  }
  void extra(const std::string& name, const char* kind) {
    out_.differences.push_back(name + ": " + kind + " not in the reference");
  }

  comparison& out_;
};

comparison compare(const pb::FileDescriptor* ref, const pb::FileDescriptor* ours) {
  comparison c;
  comparator(c).files(ref, ours);
  return c;
}

std::string report(const comparison& c) {
  std::string text = std::to_string(c.differences.size()) + " difference(s):\n";
  for (const auto& d : c.differences) text += "  " + d + "\n";
  return text;
}

// ---------------------------------------------------------------- reference

class SchemaConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kDescriptors)) return;
    std::ifstream in(kDescriptors);
    std::stringstream text;
    text << in.rdbuf();
    set_ = std::make_unique<pb::FileDescriptorSet>();
    if (!pb::TextFormat::ParseFromString(text.str(), set_.get())) {
      set_.reset();
      return;
    }
    database_ = std::make_unique<pb::SimpleDescriptorDatabase>();
    for (const auto& file : set_->file()) database_->Add(file);
    // Resolves imports through the database, whatever the files' order.
    pool_ = std::make_unique<pb::DescriptorPool>(database_.get());
  }
  static void TearDownTestSuite() {
    pool_.reset();
    database_.reset();
    set_.reset();
  }

  void SetUp() override {
    if (!std::filesystem::exists(kDescriptors))
      GTEST_SKIP() << "../shared/mesos-api not found: " << kDescriptors << " is absent, the schema cannot be checked";
    ASSERT_TRUE(set_) << "cannot parse " << kDescriptors << " as a text-format FileDescriptorSet";
  }

  static const pb::FileDescriptorProto* reference_proto(const std::string& name) {
    for (const auto& f : set_->file())
      if (f.name() == name) return &f;
    return nullptr;
  }

  static std::unique_ptr<pb::FileDescriptorSet> set_;
  static std::unique_ptr<pb::SimpleDescriptorDatabase> database_;
  static std::unique_ptr<pb::DescriptorPool> pool_;
};

std::unique_ptr<pb::FileDescriptorSet> SchemaConformance::set_;
std::unique_ptr<pb::SimpleDescriptorDatabase> SchemaConformance::database_;
std::unique_ptr<pb::DescriptorPool> SchemaConformance::pool_;

TEST_F(SchemaConformance, OurFilesMatchTheReferenceExactly) {
  // Touch one generated type of each file so every file is in the generated pool.
  (void)mesos::v1::scheduler::Call::descriptor();
  (void)mesos::v1::executor::Call::descriptor();
  (void)mesos::v1::master::Call::descriptor();
  (void)mesos::v1::agent::Call::descriptor();
  (void)mesos::v1::maintenance::Schedule::descriptor();
  (void)mesos::v1::quota::QuotaConfig::descriptor();
  (void)mesos::v1::allocator::InverseOfferStatus::descriptor();
  int total_messages = 0;
  for (const char* name : kFiles) {
    SCOPED_TRACE(name);
    const auto* ref = pool_->FindFileByName(name);
    ASSERT_NE(ref, nullptr) << name << " is not in the reference (or does not build)";
    const auto* ours = pb::DescriptorPool::generated_pool()->FindFileByName(name);
    ASSERT_NE(ours, nullptr) << name << " is not compiled in";
    const auto c = compare(ref, ours);
    EXPECT_TRUE(c.differences.empty()) << report(c);
    // A comparator that walks nothing would pass too: it must have visited
    // every message and field the reference declares.
    const auto declared = count_declared(ref);
    EXPECT_GT(declared.messages, 0);
    EXPECT_EQ(c.messages, declared.messages);
    EXPECT_EQ(c.fields, declared.fields);
    total_messages += c.messages;
  }
  EXPECT_GT(total_messages, 300);
}

TEST_F(SchemaConformance, SchedulerSchemaIsWalkedInFull) {
  const auto c = compare(pool_->FindFileByName("mesos/v1/scheduler/scheduler.proto"),
                         mesos::v1::scheduler::Call::descriptor()->file());
  // Call, Event, Response, APIResult, AttributeConstraint, OfferConstraints
  // and every nested message, map entries included.
  int expected_messages = 0;
  std::vector<const pb::Descriptor*> todo;
  const auto* file = mesos::v1::scheduler::Call::descriptor()->file();
  for (int i = 0; i < file->message_type_count(); ++i) todo.push_back(file->message_type(i));
  while (!todo.empty()) {
    const auto* d = todo.back();
    todo.pop_back();
    ++expected_messages;
    for (int i = 0; i < d->nested_type_count(); ++i) todo.push_back(d->nested_type(i));
  }
  EXPECT_EQ(c.messages, expected_messages);
  EXPECT_GT(expected_messages, 40);
}

// Builds an altered copy of the reference scheduler.proto in a pool of its
// own and checks the comparator names each alteration.
TEST_F(SchemaConformance, ComparatorReportsEveryKindOfDifference) {
  pb::FileDescriptorProto mesos = *reference_proto("mesos/v1/mesos.proto");
  pb::FileDescriptorProto scheduler = *reference_proto("mesos/v1/scheduler/scheduler.proto");

  auto find_message = [](pb::FileDescriptorProto& f, const std::string& name) {
    for (auto& m : *f.mutable_message_type())
      if (m.name() == name) return &m;
    ADD_FAILURE() << "no message " << name;
    return static_cast<pb::DescriptorProto*>(nullptr);
  };
  auto find_nested = [](pb::DescriptorProto* m, const std::string& name) {
    for (auto& n : *m->mutable_nested_type())
      if (n.name() == name) return &n;
    ADD_FAILURE() << "no nested " << name;
    return static_cast<pb::DescriptorProto*>(nullptr);
  };
  auto find_field = [](pb::DescriptorProto* m, const std::string& name) {
    for (auto& f : *m->mutable_field())
      if (f.name() == name) return &f;
    ADD_FAILURE() << "no field " << name;
    return static_cast<pb::FieldDescriptorProto*>(nullptr);
  };

  // A field number, a dropped field, a default, a label, a json_name, an
  // enum value number, an extra enum value and an extra message.
  auto* call = find_message(scheduler, "Call");
  find_field(find_nested(call, "Accept"), "filters")->set_number(30);
  auto* subscribed = find_nested(find_message(scheduler, "Event"), "Subscribed");
  auto* fields = subscribed->mutable_field();
  for (int i = 0; i < fields->size(); ++i)
    if (fields->Get(i).name() == "master_info") fields->DeleteSubrange(i, 1);
  find_field(find_nested(call, "Kill"), "agent_id")->set_label(pb::FieldDescriptorProto::LABEL_REQUIRED);
  find_field(find_nested(call, "Revive"), "roles")->set_json_name("Roles");
  auto* call_type = call->mutable_enum_type(0);
  for (auto& v : *call_type->mutable_value())
    if (v.name() == "SUPPRESS") v.set_number(99);
  auto* added = call_type->add_value();
  added->set_name("NEW_CALL");
  added->set_number(100);
  scheduler.add_message_type()->set_name("Unheard");
  for (auto& m : *mesos.mutable_message_type())
    if (m.name() == "Filters") find_field(&m, "refuse_seconds")->set_default_value("6");

  pb::DescriptorPool altered;
  ASSERT_NE(altered.BuildFile(mesos), nullptr);
  const auto* altered_scheduler = altered.BuildFile(scheduler);
  ASSERT_NE(altered_scheduler, nullptr);

  const auto ours_scheduler = mesos::v1::scheduler::Call::descriptor()->file();
  const auto c = compare(altered_scheduler, ours_scheduler);
  const std::string text = report(c);
  for (const char* expected : {
           "mesos.v1.scheduler.Call.Accept.filters: number is 3, the reference says 30",
           "mesos.v1.scheduler.Event.Subscribed.master_info: field not in the reference",
           "mesos.v1.scheduler.Call.Kill.agent_id: label is optional, the reference says required",
           "mesos.v1.scheduler.Call.Revive.roles: json_name is roles, the reference says Roles",
           "mesos.v1.scheduler.Call.Type.SUPPRESS: number is 12, the reference says 99",
           "mesos.v1.scheduler.Call.Type.NEW_CALL: enum value missing from our schema",
           "mesos.v1.scheduler.Unheard: message missing from our schema",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << "not reported: " << expected << "\n" << text;
  }
  EXPECT_EQ(c.differences.size(), 7u) << text;

  const auto m = compare(altered.FindFileByName("mesos/v1/mesos.proto"), mesos::v1::Filters::descriptor()->file());
  ASSERT_EQ(m.differences.size(), 1u) << report(m);
  EXPECT_EQ(m.differences[0], "mesos.v1.Filters.refuse_seconds: default is \"5\", the reference says \"6\"");

  // And the unaltered reference is equal to itself through the same path.
  pb::DescriptorPool same;
  ASSERT_NE(same.BuildFile(*reference_proto("mesos/v1/mesos.proto")), nullptr);
  const auto* same_scheduler = same.BuildFile(*reference_proto("mesos/v1/scheduler/scheduler.proto"));
  ASSERT_NE(same_scheduler, nullptr);
  EXPECT_TRUE(compare(same_scheduler, ours_scheduler).differences.empty());
}

TEST_F(SchemaConformance, ComparatorReportsTypeOneofAndMapChanges) {
  pb::FileDescriptorProto mesos = *reference_proto("mesos/v1/mesos.proto");
  pb::FileDescriptorProto scheduler = *reference_proto("mesos/v1/scheduler/scheduler.proto");
  for (auto& m : *scheduler.mutable_message_type()) {
    if (m.name() == "Event") {
      for (auto& f : *m.mutable_field())
        if (f.name() == "type") f.set_type_name(".mesos.v1.scheduler.Call.Type");
    }
    if (m.name() == "APIResult") {
      for (auto& f : *m.mutable_field())
        if (f.name() == "status_code") f.set_type(pb::FieldDescriptorProto::TYPE_INT32);
    }
    if (m.name() == "AttributeConstraint") {
      for (auto& n : *m.mutable_nested_type())
        if (n.name() == "Selector")
          for (auto& f : *n.mutable_field())
            if (f.name() == "attribute_name") f.clear_oneof_index();
    }
    if (m.name() == "OfferConstraints") {
      // A map<> becomes a plain repeated message of the same entry shape.
      for (auto& n : *m.mutable_nested_type())
        if (n.name() == "RoleConstraintsEntry") n.mutable_options()->clear_map_entry();
    }
  }
  pb::DescriptorPool altered;
  ASSERT_NE(altered.BuildFile(mesos), nullptr);
  const auto* file = altered.BuildFile(scheduler);
  ASSERT_NE(file, nullptr);
  const auto c = compare(file, mesos::v1::scheduler::Call::descriptor()->file());
  const std::string text = report(c);
  for (const char* expected : {
           "mesos.v1.scheduler.Event.type: type_name is mesos.v1.scheduler.Event.Type, the reference says "
           "mesos.v1.scheduler.Call.Type",
           "mesos.v1.scheduler.APIResult.status_code: type is uint32, the reference says int32",
           "mesos.v1.scheduler.AttributeConstraint.Selector.attribute_name: oneof is selector, the reference says "
           "(none)",
           "mesos.v1.scheduler.OfferConstraints.role_constraints: map is 1, the reference says 0",
           "mesos.v1.scheduler.OfferConstraints.RoleConstraintsEntry: map_entry is 1, the reference says 0",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << "not reported: " << expected << "\n" << text;
  }
}

}  // namespace
