package httpapi_test

import (
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// counterSpecs are the bad-input specs of the group counter commands
// (docs/compatibility.md §10). The fixture's "pub" holds counter like=5.
func counterSpecs() []*commandSpec {
	const grp = "group_open_http_svc/"
	keys := []field{
		groupID("GroupId"),
		listOf("GroupCounterKeys", asAbsent), // none named: all of them
		stringOf("GroupCounterKeys[]", okApplied, okApplied),
	}
	return []*commandSpec{
		{cmd: grp + "get_group_counter", base: `{"GroupId":"pub","GroupCounterKeys":["like","none"]}`, fields: keys},
		{
			cmd: grp + "update_group_counter", write: true,
			base: `{"GroupId":"pub","GroupCounter":[{"Key":"like","Value":2},{"Key":"new","Value":1}],"Mode":"Set"}`,
			fields: []field{
				groupID("GroupId"),
				batch("GroupCounter", invalid, 20, im.CodeTooManyCounters, func(i int) any { return map[string]any{"Key": fmt.Sprintf("k%d", i), "Value": 1} }),
				stringOf("GroupCounter[].Key", invalid, okApplied),
				integer("GroupCounter[].Value", okApplied, okApplied, okApplied),
				enum("Mode"),
			},
			extra: []badCase{
				{name: "Mode Increase past the top", ops: []op{set("Mode", `"Increase"`), set("GroupCounter[].Value", "9223372036854775807")}, want: invalid},
			},
		},
		{cmd: grp + "delete_group_counter", write: true, base: `{"GroupId":"pub","GroupCounterKeys":["like","none"]}`, fields: keys},
	}
}
