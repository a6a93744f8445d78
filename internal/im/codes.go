package im

// Code is a Tencent Cloud Chat REST error code, as carried in a response's ErrorCode.
//
// This list is append-only: a code, once here, keeps its number and meaning. Each comment
// gives the meaning and the commands (or layer) that return it.
type Code int

// Codes used by timd. Meanings follow Tencent's error-code pages (docs/compatibility.md,
// Sources); where Tencent's docs are silent the choice is in docs/compatibility.md.
const (
	// CodeOK is success.
	CodeOK Code = 0

	// CodeInternal (10002): an internal error; the request may be retried. Every error that
	// carries no other code reaches the client as this.
	CodeInternal Code = 10002
	// CodeUnknownCommand (10003): a known service with an unknown command word.
	CodeUnknownCommand Code = 10003
	// CodeInvalidParam (10004): a parameter is invalid; ErrorInfo names it. Group commands,
	// and the development endpoints (/dev/clock, /dev/requests).
	CodeInvalidParam Code = 10004
	// CodeBatchTooLarge (10005): a batch of accounts over its limit. Group commands.
	CodeBatchTooLarge Code = 10005
	// CodeNotAllowed (10007): the operation is not allowed for this group type or target
	// (mute in a Private group, any member change in an AVChatRoom, a non-member target).
	CodeNotAllowed Code = 10007
	// CodeGroupNotFound (10010): a well-formed group ID of no existing group, or a destroyed one.
	CodeGroupNotFound Code = 10010
	// CodeGroupFull (10014): add_group_member would exceed the group's MaxMemberNum.
	CodeGroupFull Code = 10014
	// CodeInvalidGroupID (10015): a group ID that is empty or could never be valid.
	CodeInvalidGroupID Code = 10015
	// CodeCallbackRefused (10016): the app's before-callback refused the operation.
	CodeCallbackRefused Code = 10016
	// CodeResponseTooLarge (10018): the response would exceed 1 MiB (get_group_member_info).
	CodeResponseTooLarge Code = 10018
	// CodeAccountNotFound (10019): a named account was never imported. Group commands.
	CodeAccountNotFound Code = 10019
	// CodeGroupIDInUse (10021): create_group with a custom GroupId that is taken;
	// create_topic and import_topic with a custom TopicId that is taken.
	CodeGroupIDInUse Code = 10021
	// CodeGroupIDOwned (10025): create_group with a custom GroupId that is taken by a group
	// whose owner is the requested Owner_Account.
	CodeGroupIDOwned Code = 10025

	// CodeBadURL (60002): HTTP parse error: wrong method, bad random or contenttype.
	CodeBadURL Code = 60002
	// CodeBadJSON (60003): the body is empty, not JSON, or a field has the wrong JSON type.
	CodeBadJSON Code = 60003
	// CodeNoIdentifier (60004): the identifier query parameter is missing.
	CodeNoIdentifier Code = 60004
	// CodeRateLimited (60007): the app's rate limit for this command is exceeded.
	CodeRateLimited Code = 60007
	// CodeBodyTooLarge (60008): the request body is over the configured limit.
	CodeBodyTooLarge Code = 60008
	// CodeBadPath (60009): the URL is not /v4/{service}/{command}, or the service is unknown.
	CodeBadPath Code = 60009
	// CodeNotAdmin (60010): the identifier is not one of the app's admin accounts.
	CodeNotAdmin Code = 60010
	// CodeNoSDKAppID (60012): sdkappid is missing or not an integer.
	CodeNoSDKAppID Code = 60012

	// CodeSigExpired (70001): the UserSig has expired.
	CodeSigExpired Code = 70001
	// CodeSigEmpty (70002): the usersig query parameter is missing or empty.
	CodeSigEmpty Code = 70002
	// CodeSigMalformed (70003): the UserSig cannot be decoded.
	CodeSigMalformed Code = 70003
	// CodeSigBad (70009): the UserSig's HMAC does not match the app's key.
	CodeSigBad Code = 70009
	// CodeSigIdentifier (70013): the UserSig was issued to another identifier.
	CodeSigIdentifier Code = 70013
	// CodeSigSDKAppID (70014): the UserSig was issued for another SDKAppID.
	CodeSigSDKAppID Code = 70014
	// CodeUnknownApp (70020): the sdkappid is not configured on this server.
	CodeUnknownApp Code = 70020
	// CodeAccountMissing (70107): account_delete of an account that does not exist (per item).
	CodeAccountMissing Code = 70107
	// CodeAccountParam (70402): an invalid parameter of an account command.
	CodeAccountParam Code = 70402

	// CodeMuted (10017): the sender is muted in the group, by MuteAllMember, or in every
	// group by setnospeaking. send_group_msg.
	CodeMuted Code = 10017
	// CodeNoSuchMessage (10030): no such message, or it was recalled or has expired.
	// group_msg_recall (per seq), modify_group_msg.
	CodeNoSuchMessage Code = 10030
	// CodeNotRecallable (10032): a tip, or a message already recalled. group_msg_recall
	// (per seq), modify_group_msg.
	CodeNotRecallable Code = 10032
	// CodeMessageTooLong (80002): MsgBody and CloudCustomData over 12,000 bytes.
	// send_group_msg, import_group_msg (per message).
	CodeMessageTooLong Code = 80002
	// CodeCallbackFailed (80003): Group.CallbackBeforeSendMsg failed and the app refuses
	// messages then. send_group_msg.
	CodeCallbackFailed Code = 80003
	// CodeBadMsgBody (90002): modify_group_msg with neither MsgBody nor CloudCustomData, or
	// a MsgBody that is no valid message (the openim family's code).
	CodeBadMsgBody Code = 90002
	// CodeNoSetAccount (130004): setnospeaking or getnospeaking without its account.
	CodeNoSetAccount Code = 130004
	// CodeBadSetAccount (130005): setnospeaking or getnospeaking of an account that is
	// malformed or not imported.
	CodeBadSetAccount Code = 130005
	// CodeNoMuteTime (130008): setnospeaking with neither mute time.
	CodeNoMuteTime Code = 130008

	// CodeAttrKeyTooLong (10045): a group attribute key over its limit (32 bytes).
	// modify_group_attr, set_group_attr.
	CodeAttrKeyTooLong Code = 10045
	// CodeAttrValueTooLong (10046): a group attribute value over its limit (4,000 bytes).
	// modify_group_attr, set_group_attr.
	CodeAttrValueTooLong Code = 10046
	// CodeAttrTooMany (10047): a group would hold more attribute keys than its limit (16).
	// modify_group_attr, set_group_attr.
	CodeAttrTooMany Code = 10047
	// CodeAttrTooLarge (10048): a group's attribute values would total more than their
	// limit (16,000 bytes). modify_group_attr, set_group_attr.
	CodeAttrTooLarge Code = 10048
	// CodeAttrRate (10049): a group's attributes written more often than their rate (5 per
	// second). modify_group_attr, set_group_attr, clear_group_attr.
	CodeAttrRate Code = 10049
	// CodeUltimateOnly (10059): a feature of Tencent's Ultimate edition that the app's
	// configuration turns off. get_group_counter, update_group_counter,
	// delete_group_counter.
	CodeUltimateOnly Code = 10059
	// CodeTooManyCounters (10063): more than 20 group counter keys, in the request or in
	// the group. update_group_counter.
	CodeTooManyCounters Code = 10063
	// CodeSendFrequency (10023): messages sent more often than allowed. send_broadcast_msg,
	// over the app's broadcast rate.
	CodeSendFrequency Code = 10023

	// The profile family (service profile), Tencent's codes of portrait_set and
	// portrait_get.

	// CodeProfileParam (40001): a parameter of a profile command is invalid.
	CodeProfileParam Code = 40001
	// CodeProfileNoAccounts (40002): portrait_get without To_Account.
	CodeProfileNoAccounts Code = 40002
	// CodeProfileNoAccount (40003): the account was never imported. portrait_set, and
	// portrait_get per account.
	CodeProfileNoAccount Code = 40003
	// CodeProfileNoTag (40009): a profile tag that is neither standard nor declared by the
	// app.
	CodeProfileNoTag Code = 40009
	// CodeProfileTooLong (40601): a profile value over 500 bytes (or the app's limit of a
	// Nick or FaceUrl).
	CodeProfileTooLong Code = 40601
	// CodeProfileBadValue (40605): a standard profile field's value outside its set or
	// range.
	CodeProfileBadValue Code = 40605
	// CodeProfileBadType (40610): a profile value of the wrong JSON type (a number for a
	// string field, or the other way round).
	CodeProfileBadType Code = 40610

	// The Community topic codes.

	// CodeNoTopics (11000): the group does not support topics: not a Community created
	// with SupportTopic 1, or the app's topics feature is off. Every topic command, and
	// TopicId in the message commands.
	CodeNoTopics Code = 11000
	// CodeTopicGone (110003): the topic does not exist (never created, or destroyed).
	// get_topic and destroy_topic, per topic.
	CodeTopicGone Code = 110003
	// CodeTooManyTopics (10037): the Community holds as many topics as allowed.
	// create_topic, import_topic.
	CodeTooManyTopics Code = 10037

	// The read receipt codes.

	// CodeReceiptGroupTooLarge (10060): the group has more members than read receipts
	// allow (200 by default). send_group_msg with NeedReadReceipt, and the receipt
	// commands.
	CodeReceiptGroupTooLarge Code = 10060
	// CodeReceiptOnline (10061): NeedReadReceipt with OnlineOnlyFlag: online messages
	// take no receipts. send_group_msg.
	CodeReceiptOnline Code = 10061
	// CodeNoReceipt (10062): no read receipt: no such message, or one sent without
	// NeedReadReceipt (or recalled, expired, a tip). group_msg_receipt,
	// get_group_msg_receipt (per seq), get_group_msg_receipt_detail.
	CodeNoReceipt Code = 10062
)
