#include "importer/csv_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace dalil::importer {
namespace {

std::vector<CsvRecord> ReadAll(const std::string& text, CsvLimits limits = {}) {
  std::istringstream in(text);
  CsvReader reader(in, limits);
  std::vector<CsvRecord> out;
  CsvRecord r;
  while (reader.Next(r)) out.push_back(r);
  return out;
}

TEST(CsvReaderTest, QuotesLineBreaksAndLineNumbers) {
  auto rows = ReadAll("a,b,c\r\n1,\"two, \"\"2\"\"\",3\n\"multi\nline\",x,\n\nlast,row,end");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"1", "two, \"2\"", "3"}));
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"multi\nline", "x", ""}));
  EXPECT_EQ(rows[2].line, 3);
  EXPECT_EQ(rows[3].line, 6);  // the empty line 5 is skipped, not data
  EXPECT_EQ(rows[3].fields[2], "end");
  for (const auto& r : rows) EXPECT_EQ(r.error, "") << r.line;
}

TEST(CsvReaderTest, ByteOrderMarkIsNotPartOfTheFirstName) {
  auto rows = ReadAll("\xEF\xBB\xBFid,name\n1,x\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields[0], "id");
}

TEST(CsvReaderTest, UnclosedQuoteIsAnErrorNamingItsLine) {
  auto rows = ReadAll("a,b\n1,2\n3,\"never closed\n4,5\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, "");
  EXPECT_NE(rows[2].error.find("opened on line 3 is never closed"), std::string::npos);
  EXPECT_EQ(rows[2].error_field, 2);
}

TEST(CsvReaderTest, LongFieldsAndManyColumnsAreBoundedErrors) {
  CsvLimits limits{.max_field_bytes = 8, .max_fields = 4};
  auto rows = ReadAll("a,b\n" + std::string(1000, 'x') + ",y\n1,2,3,4,5,6,7\nok,ok\n", limits);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NE(rows[1].error.find("longer than 8 bytes"), std::string::npos);
  EXPECT_EQ(rows[1].fields[0].size(), 8u);  // never more than the limit held
  EXPECT_EQ(rows[1].error_field, 1);
  EXPECT_NE(rows[2].error.find("more than 4 columns"), std::string::npos);
  EXPECT_EQ(rows[2].fields.size(), 4u);
  EXPECT_EQ(rows[2].field_count, 7);
  EXPECT_EQ(rows[3].error, "");  // reading goes on after a bad row
}

TEST(CsvReaderTest, StrayQuotesAreReported) {
  auto rows = ReadAll("a,b\nab\"c,d\n\"x\"y,z\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[1].error.find("quote inside an unquoted field"), std::string::npos);
  EXPECT_NE(rows[2].error.find("after the closing quote"), std::string::npos);
}

TEST(CsvReaderTest, WrittenFieldsReadBackUnchanged) {
  const std::vector<std::string> fields = {"plain", "with, comma", "with \"quote\"",
                                           "line\nbreak", " padded ", "ذي قار", ""};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    AppendCsvField(line, fields[i]);
  }
  auto rows = ReadAll(line + "\r\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, fields);
  EXPECT_EQ(line.find("plain,"), 0u);  // quoted only when needed
}

}  // namespace
}  // namespace dalil::importer
