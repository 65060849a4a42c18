package station

import "github.com/coldtrace/coldtrace/types"

// hintsZH says in Chinese what an operator does about each refusal code
// (types' descriptions say it in English); a test checks every registered
// code has one.
var hintsZH = map[uint32]string{
	1:  "节点处理失败，请把节点日志交给运维人员。",
	2:  "交易过大，请分成几笔发送。",
	3:  "字节不是有效的交易，请用本工作站或 coldtrace 客户端重新生成。",
	4:  "签名与内容或密钥不符，请重新签名。",
	5:  "交易签给了另一条链，请用本链重新签名。",
	6:  "序号不对，工作站会读取账户的下一个序号并重新签名。",
	7:  "本设备的密钥尚未登记，请企业已登记的密钥用 `coldtrace tx registry add-key` 添加。",
	8:  "本设备的密钥已被吊销，请重新登记一个新密钥。",
	9:  "企业已被暂停，请联系监管部门恢复。",
	10: "交易中没有任何操作。",
	11: "操作太多，请分成几笔发送。",
	12: "节点不认识这种操作，请升级工作站或节点。",
	13: "字段缺失或格式错误，请按提示修正后重新签名。",
	14: "行政区划代码应为六位国标代码，如 330106。",
	15: "请填写营业执照上的 18 位统一社会信用代码。",
	16: "公钥应为 64 位十六进制字符。",
	17: "此操作须由另一方签名（见 docs/ERRORS.md）。",
	18: "超出签名监管部门的辖区，请由上级监管部门操作。",
	19: "已经登记过，请直接查询。",
	20: "没有找到该记录，请核对编号。",
	21: "记录当前的状态不允许此操作，请先查看状态。",
	22: "不能吊销最后一个密钥，请先添加新密钥。",
	23: "密钥数量已达上限，请先吊销不用的密钥。",
	24: "节点不支持该查询。",
	25: "查询参数有误。",
	26: "该高度的数据不可用。",
	27: "追溯码无效，请扫描标签上的码。",
	28: "该码已经赋过码，请换一个序列号。",
	29: "持有数量不足：只能处理本企业持有的数量。",
	30: "批次信息与已有批次冲突，请使用标签上的批次号。",
	31: "只有发货单指定的收货方可以收货。",
	32: "该批货已经收过货。",
	33: "数量无效：须为正整数，收货数量不能超过发货数量。",
	34: "对方企业未登记或未处于正常状态，请核对统一社会信用代码。",
	35: "托盘（SSCC）内的货物只能随托盘移动，请先拆托。",
	36: "货物已被扣留、召回、销毁或过期，不能移动；扣留须由监管部门解除。",
	37: "进口货物须先经集中监管仓放行，请发往监管仓。",
	38: "放行条件不全（检疫证明、核酸检测、消毒证明、追溯信息），请先补齐。",
	39: "与海关报关单不符，请按报关单赋码。",
	40: "交易编码不规范，请用本工作站重新签名。",
	41: "升级版本或高度无效。",
	42: "离线扫码时间超出允许范围（默认 7 天内，且不能晚于出块时间），请按实际时间重新扫码签名。",
	43: "文字中含有疑似身份证号码：链上不记录个人信息，请删除后重新提交。",
	44: "企业食品经营许可证已过期，续期登记后方可继续经营（tx registry renew-licence）。",
}

// Hint is what to do about a refusal code, in Chinese and English.
type Hint struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// HintFor returns the hint of code (0: none).
func HintFor(code uint32) *Hint {
	if code == 0 {
		return nil
	}
	h := &Hint{ZH: hintsZH[code]}
	if e := types.ErrorByCode(code); e != nil {
		h.EN = e.Desc
	}
	if h.ZH == "" {
		h.ZH = "节点以代码拒绝了此交易，请看下面的说明。"
	}
	if h.EN == "" {
		h.EN = "the node refused the tx with this code; see its message"
	}
	return h
}
