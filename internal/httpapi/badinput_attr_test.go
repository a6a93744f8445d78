package httpapi_test

import (
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// attrSpecs are the bad-input specs of the group attribute commands (docs/compatibility.md
// §10). The fixture's "pub" holds attribute a1.
func attrSpecs() []*commandSpec {
	const grp = "group_open_http_svc/"
	attrFields := []field{
		groupID("GroupId"),
		batch("GroupAttr", invalid, 16, im.CodeAttrTooMany, func(i int) any { return map[string]string{"key": fmt.Sprintf("k%d", i), "value": "v"} }),
		stringOf("GroupAttr[].key", invalid, okApplied),
		customValue("GroupAttr[].value"),
	}
	return []*commandSpec{
		{cmd: "group_open_attr_http_svc/get_group_attr", base: `{"GroupId":"pub"}`, fields: []field{groupID("GroupId")}},
		{cmd: grp + "modify_group_attr", write: true, base: `{"GroupId":"pub","GroupAttr":[{"key":"a2","value":"v2"}]}`, fields: attrFields},
		{cmd: grp + "set_group_attr", write: true, base: `{"GroupId":"pub","GroupAttr":[{"key":"a2","value":"v2"}]}`, fields: attrFields},
		{cmd: grp + "clear_group_attr", write: true, base: `{"GroupId":"pub"}`, fields: []field{groupID("GroupId")}},
	}
}
