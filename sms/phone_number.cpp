#include "sms/phone_number.hpp"

#include "sms/segments.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>

namespace herald::sms {
namespace {

namespace pn = i18n::phonenumbers;
using util = pn::PhoneNumberUtil;

// GetInstance builds the metadata once, under its own lock.
const util& phone_util() {
    return *util::GetInstance();
}

error refused(std::string_view field, std::string why) {
    return at_field(make_error(errc::invalid_message, std::move(why)), std::string(field));
}

const char* parse_problem(util::ErrorType e) {
    switch (e) {
        case util::NO_PARSING_ERROR:
            return nullptr;
        case util::INVALID_COUNTRY_CODE_ERROR:
            return "has no valid country code: write it in E.164 (+ and the country code) or set "
                   "the tenant's sms.default_region";
        case util::NOT_A_NUMBER:
            return "is not a phone number";
        case util::TOO_SHORT_AFTER_IDD:
            return "is too short after its international prefix";
        case util::TOO_SHORT_NSN:
            return "is too short to be a phone number";
        case util::TOO_LONG_NSN:
            return "is too long to be a phone number";
    }
    return "cannot be parsed";
}

const char* possible_problem(util::ValidationResult r) {
    switch (r) {
        case util::IS_POSSIBLE:
            return nullptr;
        case util::IS_POSSIBLE_LOCAL_ONLY:
            return "is a local number: add its area code (or write it in E.164)";
        case util::INVALID_COUNTRY_CODE:
            return "has an invalid country code";
        case util::TOO_SHORT:
            return "is too short for its region";
        case util::INVALID_LENGTH:
            return "has no valid length for its region";
        case util::TOO_LONG:
            return "is too long for its region";
    }
    return "is not a possible number";
}

// Digits and the punctuation people write numbers with: no letters.
bool number_like(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '.' || c == '(' ||
               c == ')';
    });
}

bool has_letter(std::string_view s) {
    // Non-ASCII characters of the GSM alphabet are letters but for a few
    // signs (£¥¤§¡¿); they count too: the id is still not a number.
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b >= 0x80;
    });
}

constexpr std::size_t k_alphanumeric_max = 11;  // septets of TP-OA (3GPP TS 23.040 9.1.2.5)

}  // namespace

bool known_region(std::string_view region) {
    return region.size() == 2 && phone_util().GetCountryCodeForRegion(std::string(region)) != 0;
}

result<std::string> to_e164(std::string_view number, std::string_view default_region,
                            std::string_view field) {
    if (number.empty()) return refused(field, "is required");
    if (number.size() > 32) return refused(field, "is longer than 32 characters");
    const std::string region =
        known_region(default_region) ? std::string(default_region) : std::string("ZZ");
    pn::PhoneNumber parsed;
    if (const char* why = parse_problem(phone_util().Parse(std::string(number), region, &parsed)))
        return refused(field, std::string(why));
    if (parsed.has_extension()) return refused(field, "has an extension, which cannot take an SMS");
    if (const char* why = possible_problem(phone_util().IsPossibleNumberWithReason(parsed)))
        return refused(field, std::string(why));
    if (!phone_util().IsValidNumber(parsed)) {
        std::string where;
        phone_util().GetRegionCodeForNumber(parsed, &where);
        return refused(field, "is not a valid number" + (where.empty() || where == "ZZ"
                                                             ? std::string(" for its country code")
                                                             : " in " + where));
    }
    std::string out;
    phone_util().Format(parsed, util::E164, &out);
    return out;
}

result<std::string> check_sender_id(std::string_view from, std::string_view default_region,
                                    std::string_view field) {
    if (from.empty()) return refused(field, "is required");
    if (from.front() == '+') return to_e164(from, default_region, field);
    if (number_like(from) && !has_letter(from))
        return refused(field, "a number must be written in E.164 (+ and the country code)");
    const auto c = count_segments(from);
    if (c.encoding != sms_encoding::gsm7)
        return refused(field, "an alphanumeric sender id must be of the GSM alphabet");
    if (c.units > k_alphanumeric_max)
        return refused(field,
                       "an alphanumeric sender id holds at most 11 septets (each of ^{}\\[~]|€ "
                       "takes two), not " +
                           std::to_string(c.units));
    if (!has_letter(from)) return refused(field, "an alphanumeric sender id needs a letter");
    return std::string(from);
}

}  // namespace herald::sms
