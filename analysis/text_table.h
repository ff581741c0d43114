// Plain-text tables and fixed-format numbers for what the multi-seed commands print
// (`cutover run --seeds`, `compare`, `sweep`, `capacity`) and for sweep.csv. Numbers are
// formatted without the locale and with a fixed number of decimals, trailing zeros dropped,
// so the same figures always print the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cutover::analysis {

// 12.5 -> "12.5", 3 -> "3", 1e-9 -> "0", -0.0 -> "0"; at most `decimals` decimals.
std::string format_number(double value, int decimals = 3);
// "-" for nullopt, else format_number.
std::string format_number(const std::optional<double>& value, int decimals = 3);

// Columns sized to their widest cell; the first column left-aligned, the others right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  // REQUIRES: cells.size() == the header's size.
  void add_row(std::vector<std::string> cells);
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

}  // namespace cutover::analysis
