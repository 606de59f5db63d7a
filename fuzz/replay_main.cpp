// Runs every file of the given corpus folders (or files) once through the
// target's LLVMFuzzerTestOneInput, for builds without libFuzzer: ctest replays
// the committed corpora so a regression fails the ordinary test run.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) {
          run(e.path());
          ++n;
        }
    } else {
      run(p);
      ++n;
    }
  }
  std::printf("replayed %zu inputs\n", n);
  // An empty corpus would make this test pass without testing anything.
  return n == 0 ? 1 : 0;
}
