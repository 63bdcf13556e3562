package docs

import (
	"strings"
	"testing"
)

func TestTopics(t *testing.T) {
	codes := Codes()
	if len(codes) < 50 {
		t.Fatalf("%d codes in the catalogue", len(codes))
	}
	for _, c := range codes {
		text, ok := Topic(strings.ToLower(c))
		if !ok || !strings.HasPrefix(text, "#### "+c+" — ") || strings.Count(text, "\n#### ") > 0 || strings.Contains(text, "\n### ") {
			t.Errorf("topic %s: %v, %.80q", c, ok, text)
		}
	}
	for _, name := range Topics() {
		if text, ok := Topic(name); !ok || len(text) < 100 {
			t.Errorf("topic %s: %v, %d bytes", name, ok, len(text))
		}
	}
	if text, _ := Topic("measures"); !strings.HasPrefix(text, "### 6.10 Measures") || strings.Contains(text, "### 6.11") {
		t.Errorf("measures: %.200q", text)
	}
	if _, ok := Topic("E999"); ok {
		t.Error("E999 is a topic")
	}
}
