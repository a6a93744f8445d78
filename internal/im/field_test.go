package im

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// TestFieldSet adds keys from many goroutines while others read: every key ends up in
// the set once, in its kind only, and App sees configured and declared keys alike.
func TestFieldSet(t *testing.T) {
	app := &App{MemberFields: []string{"Conf"}, Declared: new(FieldSet)}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { app.Declared.Add(FieldMember, fmt.Sprint("M", i%10), "Conf") })
		wg.Go(func() { _ = app.HasMemberField("M1") })
	}
	wg.Wait()
	if got := app.Declared.Keys(FieldMember); len(got) != 11 {
		t.Errorf("declared member keys: got %q, want M0..M9 and Conf once each", got)
	}
	if !app.HasMemberField("M3") || !app.HasMemberField("Conf") || app.HasGroupField("M3") {
		t.Errorf("HasMemberField(M3), HasMemberField(Conf), HasGroupField(M3): got %v %v %v, want true true false",
			app.HasMemberField("M3"), app.HasMemberField("Conf"), app.HasGroupField("M3"))
	}
	keys := app.FieldKeys(FieldMember)
	if keys[0] != "Conf" || len(keys) != 11 || slices.Index(keys[1:], "Conf") >= 0 {
		t.Errorf("FieldKeys(Member): got %q, want Conf first and once", keys)
	}
	var none *FieldSet
	if none.Has(FieldGroup, "x") || (&App{}).HasGroupField("x") {
		t.Error("a nil FieldSet has a key")
	}
}

// TestValidFieldKey checks the key rule of docs/compatibility.md §4.
func TestValidFieldKey(t *testing.T) {
	for key, want := range map[string]bool{
		"a": true, "Level_2": true, "0123456789abcdef": true,
		"": false, "0123456789abcdefg": false, "Le-vel": false, "é": false, "a b": false,
	} {
		if got := ValidFieldKey(key); got != want {
			t.Errorf("ValidFieldKey(%q): got %v, want %v", key, got, want)
		}
	}
}

// TestFieldSetEqual: go-cmp compares Apps through Equal.
func TestFieldSetEqual(t *testing.T) {
	a, b := new(FieldSet), new(FieldSet)
	var none *FieldSet
	if !a.Equal(none) || !none.Equal(a) {
		t.Error("an empty set differs from nil")
	}
	a.Add(FieldGroup, "x")
	if a.Equal(b) {
		t.Error("sets with different keys are equal")
	}
	b.Add(FieldGroup, "x")
	if !a.Equal(b) {
		t.Error("sets with the same keys differ")
	}
}
