package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_b.sql":   {Data: []byte("B")},
		"m/0001_a.sql":   {Data: []byte("A")},
		"m/0010_c.sql":   {Data: []byte("C")},
		"m/notes.txt":    {Data: []byte("ignored")},
		"other/0003.sql": {Data: []byte("elsewhere")},
	}
	files, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name+"="+f.SQL)
	}
	if want := "0001_a.sql=A 0002_b.sql=B 0010_c.sql=C"; strings.Join(got, " ") != want {
		t.Errorf("Load = %v, want %s", got, want)
	}
	if files[2].Version != 10 {
		t.Errorf("version of 0010_c.sql = %d, want 10", files[2].Version)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no number":       {"m/init.sql": {}},
		"zero":            {"m/0000_x.sql": {}},
		"repeated number": {"m/0001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load succeeded, want an error", name)
		}
	}
}
