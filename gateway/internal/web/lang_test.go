package web

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestLangFromAccept(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"en-GB,en;q=0.8", "en"},
		{"zh-TW,en;q=0.5", "zh"},
		{"en;q=0.5,zh;q=0.5", "en"}, // a tie keeps the header's order
		{"fr", "zh"},
		{"", "zh"},
		{"en;q=abc", "en"},
		{"en;q=0", "zh"},
	} {
		if got := LangFromAccept(c.header).Tag; got != c.want {
			t.Errorf("%q: %s, want %s", c.header, got, c.want)
		}
	}
}

func TestPickLang(t *testing.T) {
	r := httptest.NewRequest("GET", "/?lang=en", nil)
	r.Header.Set("Accept-Language", "zh")
	w := httptest.NewRecorder()
	if PickLang(w, r).Tag != "en" || len(w.Result().Cookies()) != 1 {
		t.Fatal("?lang=en is not taken and remembered")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	if PickLang(nil, r).Tag != "en" {
		t.Error("the cookie is not read")
	}
	r = httptest.NewRequest("GET", "/?lang=fr", nil)
	if PickLang(nil, r).Tag != "zh" {
		t.Error("an unknown ?lang is not ignored")
	}
}

func TestLangNames(t *testing.T) {
	zh, en := Lang{Tag: "zh"}, Lang{Tag: "en"}
	for _, c := range []struct{ got, want string }{
		{zh.Division("330106"), "浙江省杭州市西湖区"},
		{en.Division("330106"), "Xihu, Hangzhou, Zhejiang"},
		{en.PrefixName("3301"), "Hangzhou, Zhejiang"},
		{zh.PrefixName("33"), "浙江省"},
		{en.Country("EC"), "Ecuador (EC)"},
		{zh.Country("ZZ"), "ZZ"},
		{en.Division("33"), "33"},
		{en.Place("3301"), "Hangzhou"},
		{zh.Place("3302"), "宁波市"},
		{zh.Place("33"), "浙江省"},
		{zh.Place("4499"), "4499"},
		{en.Date(time.Date(2026, 1, 1, 16, 30, 0, 0, time.UTC)), "2026-01-02 00:30"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
