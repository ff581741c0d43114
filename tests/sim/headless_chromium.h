// Debian's Chromium, headless, for tests of report.html: the DOM after the page's scripts ran
// (--dump-dom) and a screenshot (--screenshot) decoded with libpng. Each instance has its own
// profile folder, so tests can run in parallel without one browser handing a page to another.
//
// Both views use the same window width and a device scale factor of 1, so a CSS pixel of the
// page's layout (the data-box of a chart) is one pixel of the screenshot.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/sim/cli_runner.h"
#include <png.h>

namespace cutover::test_support {

// The chromium binary: $CUTOVER_CHROMIUM, else `chromium` (Debian) or `chromium-browser` in
// PATH; empty when none is installed.
inline std::filesystem::path find_chromium() {
  if (const char* chosen = std::getenv("CUTOVER_CHROMIUM"); chosen != nullptr && *chosen != 0) {
    return chosen;
  }
  for (const char* name : {"chromium", "chromium-browser"}) {
    if (std::filesystem::path found = find_in_path(name); !found.empty()) return found;
  }
  return {};
}

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, 3 bytes per pixel

  const std::uint8_t* pixel(int x, int y) const {
    return &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                 static_cast<std::size_t>(x)) *
                3];
  }
};

// libpng's simplified API converts any PNG to 8-bit RGB. nullopt when the file is not a PNG.
inline std::optional<RgbImage> read_png(const std::filesystem::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) return std::nullopt;
  image.format = PNG_FORMAT_RGB;
  RgbImage decoded{.width = static_cast<int>(image.width),
                   .height = static_cast<int>(image.height),
                   .rgb = std::vector<std::uint8_t>(PNG_IMAGE_SIZE(image))};
  if (png_image_finish_read(&image, nullptr, decoded.rgb.data(), 0, nullptr) == 0) {
    png_image_free(&image);
    return std::nullopt;
  }
  return decoded;
}

class HeadlessChromium {
 public:
  explicit HeadlessChromium(std::filesystem::path binary) : binary_(std::move(binary)) {}

  // The serialized DOM once the page has loaded (its scripts have run).
  CommandResult dump_dom(const std::filesystem::path& page, int width) const {
    return run({"--window-size=" + std::to_string(width) + ",1000", "--dump-dom", url(page)});
  }

  // A width x height PNG of the page's top.
  CommandResult screenshot(const std::filesystem::path& page, int width, int height,
                           const std::filesystem::path& png) const {
    return run({"--window-size=" + std::to_string(width) + "," + std::to_string(height),
                "--screenshot=" + png.string(), url(page)});
  }

 private:
  static std::string url(const std::filesystem::path& page) {
    return "file://" + std::filesystem::absolute(page).string();
  }

  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. The page is
  // our own local file. `timeout` bounds a browser that hangs.
  CommandResult run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"timeout",
                                     "60",
                                     binary_.string(),
                                     "--headless",
                                     "--disable-gpu",
                                     "--no-sandbox",
                                     "--no-first-run",
                                     "--disable-extensions",
                                     "--hide-scrollbars",
                                     "--force-device-scale-factor=1",
                                     "--user-data-dir=" + profile_.path().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(std::move(argv));
  }

  std::filesystem::path binary_;
  TempDir profile_;
};

}  // namespace cutover::test_support
