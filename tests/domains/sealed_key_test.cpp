// The master key and the sealing of DKIM private keys (AES-256-GCM, bound
// to tenant, domain and selector): what opens, and what never does.
#include "domains/sealed_key.hpp"
#include "domains/errors.hpp"
#include "domains/master_key.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace herald::domains {
namespace {

constexpr const char* k_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* k_b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";  // the same bytes
constexpr const char* k_other = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
constexpr std::string_view k_secret =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFq6...\n-----END PRIVATE KEY-----\n";

master_key key(const char* text) {
    auto k = master_key::parse(text);
    EXPECT_TRUE(k) << k.error().to_string();
    return *k;
}

TEST(master_key, hex_and_base64_of_the_same_bytes_are_the_same_key) {
    EXPECT_EQ(key(k_hex).bytes(), key(k_b64).bytes());
    EXPECT_EQ(key(k_hex).id(), key(k_b64).id());
    EXPECT_NE(key(k_hex).id(), key(k_other).id());
    EXPECT_EQ(key(k_hex).id().size(), 8u);
    EXPECT_EQ(key((std::string("  ") + k_b64 + "\n").c_str()).id(), key(k_hex).id());
}

TEST(master_key, anything_but_32_bytes_is_refused_with_how_to_make_one) {
    for (const char* bad : {"", "abc", "00010203", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
                            "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}) {
        auto k = master_key::parse(bad);
        ASSERT_FALSE(k) << bad;
        EXPECT_EQ(k.error().code, make_error_code(domain_errc::bad_master_key));
        EXPECT_NE(k.error().detail.find("/dev/urandom"), std::string::npos);
    }
}

TEST(master_key, the_environment_wins_over_the_file_and_none_is_a_clear_refusal) {
    domains_config cfg;
    auto none = master_key::load(cfg, [](const char*) -> const char* { return nullptr; });
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, make_error_code(domain_errc::no_master_key));
    EXPECT_NE(none.error().detail.find("HERALD_MASTER_KEY"), std::string::npos);

    const auto file =
        std::filesystem::temp_directory_path() / ("herald-master-" + std::to_string(::getpid()));
    std::ofstream(file) << k_b64 << "\n";
    cfg.master_key_file = file.string();
    auto from_file = master_key::load(cfg, [](const char*) -> const char* { return nullptr; });
    ASSERT_TRUE(from_file);
    EXPECT_EQ(from_file->id(), key(k_hex).id());
    auto from_env = master_key::load(cfg, [](const char* n) -> const char* {
        return std::string_view(n) == "HERALD_MASTER_KEY" ? k_other : nullptr;
    });
    ASSERT_TRUE(from_env);
    EXPECT_EQ(from_env->id(), key(k_other).id());
    std::filesystem::remove(file);
    auto missing = master_key::load(cfg, [](const char*) -> const char* { return nullptr; });
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, make_error_code(domain_errc::bad_master_key));
}

TEST(sealed_key, opens_for_its_owner_and_hides_the_key) {
    const auto mk = key(k_hex);
    const key_owner owner{"acme", "mail.acme.test", "hd202611a"};
    const auto sealed = seal(mk, owner, k_secret);
    EXPECT_TRUE(sealed.starts_with("hdk1:" + mk.id() + ":")) << sealed;
    EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(sealed.find("MC4CAQAwBQYDK2Vw"), std::string::npos);
    auto opened = unseal(mk, owner, sealed);
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_EQ(*opened, k_secret);
    // A fresh nonce each time: sealing twice never gives the same value.
    EXPECT_NE(seal(mk, owner, k_secret), sealed);
}

TEST(sealed_key, never_opens_for_another_owner_key_or_after_a_change) {
    const auto mk = key(k_hex);
    const auto sealed = seal(mk, {"acme", "mail.acme.test", "hd202611a"}, k_secret);
    auto refused = [&](const result<std::string>& r, std::string_view says) {
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, make_error_code(domain_errc::key_unsealable));
        EXPECT_NE(r.error().detail.find(says), std::string::npos) << r.error().detail;
    };
    refused(unseal(mk, {"other", "mail.acme.test", "hd202611a"}, sealed), "does not open");
    refused(unseal(mk, {"acme", "acme.test", "hd202611a"}, sealed), "does not open");
    refused(unseal(mk, {"acme", "mail.acme.test", "hd202611b"}, sealed), "does not open");
    refused(unseal(key(k_other), {"acme", "mail.acme.test", "hd202611a"}, sealed),
            "sealed under master key " + key(k_hex).id());
    std::string altered = sealed;
    altered[altered.size() - 6] = altered[altered.size() - 6] == 'A' ? 'B' : 'A';
    refused(unseal(mk, {"acme", "mail.acme.test", "hd202611a"}, altered), "does not open");
    refused(unseal(mk, {"acme", "mail.acme.test", "hd202611a"}, "-----BEGIN"), "not a sealed key");
    refused(unseal(mk, {"acme", "mail.acme.test", "hd202611a"}, "hdk1:" + mk.id() + ":AAAA"),
            "too short");
}

}  // namespace
}  // namespace herald::domains
