package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Lang is the language of one response: Chinese (the default) or English.
type Lang struct {
	Tag string // "zh" or "en"
}

var (
	langZH = Lang{Tag: "zh"}
	langEN = Lang{Tag: "en"}
)

// langCookie remembers the choice made with ?lang=.
const langCookie = "lang"

// PickLang chooses the language of a request: ?lang=zh|en (remembered in a
// cookie), else the cookie, else Accept-Language (English only when the
// client prefers it to Chinese), else Chinese.
func PickLang(w http.ResponseWriter, r *http.Request) Lang {
	if q := r.URL.Query().Get("lang"); q == "zh" || q == "en" {
		if w != nil {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
		return Lang{Tag: q}
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "zh" || c.Value == "en") {
		return Lang{Tag: c.Value}
	}
	return LangFromAccept(r.Header.Get("Accept-Language"))
}

// LangFromAccept reads an Accept-Language header: the highest-weighted of
// zh and en wins; a tie or neither gives Chinese.
func LangFromAccept(h string) Lang {
	zh, en := -1.0, -1.0
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0 - float64(i)*0.001 // keep the header's order among equal weights
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f - float64(i)*0.001
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch base {
		case "zh":
			if q > zh {
				zh = q
			}
		case "en":
			if q > en {
				en = q
			}
		}
	}
	if en > 0 && en > zh {
		return langEN
	}
	return langZH
}

// EN reports whether the language is English.
func (l Lang) EN() bool { return l.Tag == "en" }

// T translates a message key; an unknown key is returned as it is.
func (l Lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l.EN() {
		return m[1]
	}
	return m[0]
}

// messages are the page texts, {Chinese, English}.
var messages = map[string][2]string{
	"brand":            {"冷链食品追溯", "Cold-chain food traceability"},
	"home.title":       {"查询冷链食品", "Check a cold-chain product"},
	"home.lead":        {"扫描包装上的二维码，或输入追溯码查询产品来源、检验检疫证明和冷链温度记录。", "Scan the QR code on the pack, or enter its code, to see where the product comes from, its certificates and its cold-chain temperature record."},
	"home.placeholder": {"追溯码，例如 /01/…/10/…/21/…", "Code, e.g. /01/…/10/…/21/…"},
	"home.submit":      {"查询", "Look up"},

	"facts":            {"产品信息", "Product"},
	"f.name":           {"品名", "Name"},
	"f.category":       {"类别", "Category"},
	"f.origin":         {"原产国", "Country of origin"},
	"f.batch":          {"批次", "Batch"},
	"f.gtin":           {"商品条码", "GTIN"},
	"f.production":     {"生产日期", "Production date"},
	"f.expiry":         {"保质期至", "Best before"},
	"f.supplier":       {"供应商", "Supplier"},
	"f.importer":       {"进口/赋码企业", "Importer / commissioned by"},
	"f.net":            {"规格", "Net content"},
	"f.code":           {"追溯码", "Code"},
	"f.storage":        {"储存温度", "Storage temperature"},
	"f.unit":           {"物流单元", "Logistic unit"},
	"f.contents":       {"内含", "Contents"},
	"certs":            {"检验检疫与证明", "Certificates and tests"},
	"c.inspection":     {"检验检疫证明", "Inspection and quarantine certificate"},
	"c.disinfection":   {"消毒证明", "Disinfection certificate"},
	"c.origin":         {"原产地证明", "Certificate of origin"},
	"c.customs":        {"报关单号", "Customs declaration"},
	"c.nat":            {"核酸检测", "Nucleic-acid test"},
	"c.missing":        {"未提供", "not provided"},
	"c.negative":       {"阴性", "negative"},
	"c.positive":       {"阳性", "positive"},
	"c.lab":            {"检测机构", "Laboratory"},
	"c.released":       {"已由监管仓放行", "Released by a supervision warehouse"},
	"c.notreleased":    {"尚未经监管仓放行", "Not yet released by a supervision warehouse"},
	"timeline":         {"流通记录", "Chain of custody"},
	"timeline.none":    {"暂无流通记录。", "No movements recorded yet."},
	"temps":            {"冷链温度记录", "Cold-chain temperature record"},
	"temps.none":       {"暂无温度记录。", "No temperature readings recorded."},
	"temps.allowed":    {"允许范围", "Allowed range"},
	"temps.excursions": {"次温度超出允许范围", "reading(s) outside the allowed range"},
	"temps.legend":     {"每条表示一个记录时段内的最低和最高温度。", "Each bar spans the lowest and highest temperature of one logging window."},
	"temps.window":     {"时段", "Window"},
	"temps.minmax":     {"最低 / 最高", "Min / max"},
	"temps.long":       {"温度记录较长，请下载证明文件查看完整记录。", "The history is too long to show here; download the proof file for the full record."},

	"status.active":       {"正常", "OK"},
	"status.held":         {"暂扣", "On hold"},
	"status.recalled":     {"已召回", "Recalled"},
	"status.destroyed":    {"已销毁", "Destroyed"},
	"status.expired":      {"已过期", "Expired"},
	"warn.held":           {"该产品已被监管部门暂扣，请勿食用或销售。", "This product is on hold by the authorities: do not eat or sell it."},
	"warn.recalled":       {"该产品已被召回，请勿食用，请联系购买商家退货。", "This product has been recalled: do not eat it; return it to the shop."},
	"warn.destroyed":      {"该产品已被监管销毁，不应在市场上出现。", "This product was destroyed under supervision and should not be on sale."},
	"warn.expired":        {"该产品已超过保质期，请勿食用。", "This product is past its expiry date: do not eat it."},
	"step.outside":        {"已销往省外：", "Left the province for"},
	"danger.positive":     {"该产品所属批次检出阳性：如您持有该产品，请勿食用。", "A test of this product's batch was positive: if you have this product, do not eat it."},
	"danger.recalled":     {"该产品所属批次已被召回：如您持有该产品，请勿食用，请联系购买商家退货。", "This product's batch has been recalled: if you have this product, do not eat it; return it to the shop."},
	"f.releasecert":       {"出仓证明", "Release certificate"},
	"rel.title":           {"监管仓出仓证明", "Released from the supervision warehouse"},
	"rel.warehouse":       {"监管仓", "Supervision warehouse"},
	"rel.date":            {"出仓时间", "Released at"},
	"rel.weight":          {"净重", "Net weight"},
	"rel.tests":           {"监管部门检测记录", "Tests recorded by the authorities"},
	"rel.codes":           {"出仓追溯码", "Codes released"},
	"warn.reason":         {"原因", "Reason"},
	"warn.since":          {"日期", "Since"},
	"warn.source":         {"决定机关", "Ordered by"},
	"src.test":            {"检测结果阳性（自动暂扣）", "a positive test (automatic hold)"},
	"src.sensor":          {"冷链温度异常（自动暂扣）", "a temperature excursion (automatic hold)"},
	"src.recall":          {"召回", "a recall"},
	"ok.lead":             {"链上记录完整，未发现异常。", "The record on chain is complete; nothing abnormal was found."},
	"verified":            {"已验证", "Verified"},
	"verified.at":         {"区块高度", "at height"},
	"verified.detail":     {"本页所有信息均已通过默克尔证明和验证节点签名核验。", "Everything on this page was checked against Merkle proofs and the validators' signatures."},
	"verified.validators": {"个验证节点", "validators"},
	"proof.download":      {"下载证明文件（可用 coldtrace verify 离线核验）", "Download the proof file (check it offline with coldtrace verify)"},
	"qr":                  {"二维码", "QR code"},

	"report":          {"反映问题", "Report a problem"},
	"report.lead":     {"发现包装破损、解冻、标签不符等问题？请告诉我们。您的反馈由平台运营方保存并转交监管部门，不会上链，也不会记录您的个人信息。", "Damaged or thawed pack, label mismatch? Tell us. Reports are kept by the operator of this site for the regulator; they are not put on chain and no personal data is recorded."},
	"report.category": {"问题类型", "Category"},
	"report.text":     {"问题描述", "Description"},
	"report.submit":   {"提交", "Send"},
	"report.thanks":   {"已收到您的反馈，谢谢！", "Thank you: your report was received."},
	"report.max":      {"最多 500 字", "at most 500 characters"},
	"cat.quality":     {"质量问题（变色、异味）", "Quality (colour, smell)"},
	"cat.thawed":      {"解冻或包装破损", "Thawed or damaged pack"},
	"cat.label":       {"标签或追溯码不符", "Label or code does not match"},
	"cat.counterfeit": {"疑似假冒", "Suspected counterfeit"},
	"cat.illness":     {"食用后身体不适", "Felt ill after eating"},
	"cat.other":       {"其他", "Other"},

	"err.title":             {"无法显示", "Cannot show this"},
	"err.notfound":          {"未找到该追溯码", "This code is not recorded"},
	"err.notfound.lead":     {"链上没有这个追溯码的记录（已核验）。请检查二维码或输入是否正确；如果是在商店购买的，请向监管部门反映。", "The chain has no record of this code (the absence is proven). Check the code; if you bought this product in a shop, please tell the authorities."},
	"err.bad":               {"追溯码格式不正确", "This is not a valid code"},
	"err.unverifiable":      {"无法核验的回答", "Unverifiable answer"},
	"err.unverifiable.lead": {"节点返回的信息未能通过证明核验，因此不予显示。这可能是节点故障或数据被篡改，请稍后再试。", "The node's answer did not pass verification, so it is not shown. The node may be faulty or the data tampered with; try again later."},
	"err.unavailable":       {"暂时无法查询", "Temporarily unavailable"},
	"err.unavailable.lead":  {"无法连接区块链节点，请稍后再试。", "The chain's node cannot be reached right now; try again later."},
	"err.ratelimit":         {"请求过于频繁", "Too many requests"},
	"err.ratelimit.lead":    {"请稍候再试。", "Please wait a moment and try again."},
	"err.page":              {"页面不存在", "Page not found"},
	"err.report":            {"反馈未能提交", "The report was not accepted"},
	"err.back":              {"返回首页", "Back to the start"},

	"step.commissioning":     {"赋码入市", "Commissioned"},
	"step.shipping":          {"出库发货", "Shipped"},
	"step.receiving":         {"收货入库", "Received"},
	"step.retail_selling":    {"零售售出", "Sold"},
	"step.consuming":         {"餐饮使用", "Used in the kitchen"},
	"step.repackaging":       {"分装", "Repacked"},
	"step.packing":           {"装入物流单元", "Packed into a logistic unit"},
	"step.unpacking":         {"拆出物流单元", "Unpacked"},
	"step.storing":           {"进入集中监管仓", "Entered a supervision warehouse"},
	"step.releasing":         {"监管仓检验合格放行", "Released by the supervision warehouse"},
	"step.inspecting":        {"检验", "Inspected"},
	"step.sampling":          {"抽样检测", "Sampled and tested"},
	"step.holding":           {"监管暂扣", "Put on hold"},
	"step.unholding":         {"解除暂扣", "Hold lifted"},
	"step.recalling":         {"召回", "Recalled"},
	"step.destroying":        {"监督销毁", "Destroyed under supervision"},
	"step.error_declaration": {"记录更正", "Record corrected"},
	"step.sensor_reporting":  {"温度异常", "Temperature excursion"},
	"step.from":              {"来自", "from"},
	"step.to":                {"发往", "to"},
	"step.scanned":           {"扫码于 %s（区块时间 %s 记录）", "scanned at %s (recorded at block time %s)"},
	"step.result":            {"结果", "result"},

	"actor.customs":   {"海关", "Customs"},
	"actor.regulator": {"市场监管部门", "Market regulator"},

	"footer":      {"数据来自联盟链，经证明核验后显示；不收集消费者个人信息。", "Data comes from the permissioned chain and is shown only after its proofs check out; no consumer data is collected."},
	"lang.switch": {"English", "中文"},

	// Console.
	"con.title":              {"监管控制台", "Regulator console"},
	"con.login":              {"登录", "Sign in"},
	"con.token":              {"访问令牌", "Access token"},
	"con.logout":             {"退出", "Sign out"},
	"con.badtoken":           {"令牌不正确。", "Wrong token."},
	"con.search":             {"查询", "Search"},
	"con.search.ph":          {"追溯码、批次 (USCC/批次号) 或企业统一社会信用代码", "Code, batch (USCC/BATCH) or enterprise USCC"},
	"con.alerts":             {"未处理预警", "Open alerts"},
	"con.holds":              {"暂扣货物", "Goods on hold"},
	"con.recalls":            {"召回", "Recalls"},
	"con.flows":              {"流入统计", "Inbound flows"},
	"con.reports":            {"消费者反馈", "Consumer reports"},
	"con.overview":           {"概况", "Overview"},
	"con.jurisdiction":       {"辖区", "Jurisdiction"},
	"con.none":               {"无。", "None."},
	"con.byreceiver":         {"按接收区划", "By receiving division"},
	"con.kind":               {"类型", "Kind"},
	"con.division":           {"区划", "Division"},
	"con.message":            {"内容", "Message"},
	"con.time":               {"时间", "Time"},
	"con.codes":              {"追溯码", "Codes"},
	"con.ack":                {"处理（确认）", "Acknowledge"},
	"con.ack.lead":           {"网关不持有监管密钥，不能代为签名。请在持有本辖区监管密钥的电脑上运行下面的命令确认该预警：", "The gateway holds no regulator key and cannot sign. Acknowledge the alert by running this command where your regulator key is:"},
	"con.ack.comment":        {"处理意见", "Comment"},
	"con.ack.show":           {"生成命令", "Show the command"},
	"con.byorigin":           {"按原产国（克/件）", "By country of origin (grams or pieces)"},
	"con.bysource":           {"按来源区划", "By source division"},
	"con.from":               {"从", "From"},
	"con.to":                 {"至", "to"},
	"con.days":               {"每日计数", "Daily counters"},
	"con.commissioned":       {"赋码数", "Codes commissioned"},
	"con.received":           {"外部流入量", "Received from outside"},
	"con.sold":               {"销售量", "Sold"},
	"con.positives":          {"阳性", "Positives"},
	"con.scope":              {"召回范围", "Recall scope"},
	"con.enterprise":         {"企业", "Enterprise"},
	"con.quantity":           {"数量", "Quantity"},
	"con.intransit":          {"在途", "in transit"},
	"con.reason":             {"原因", "Reason"},
	"con.batch":              {"批次", "Batch"},
	"con.holdings":           {"持有", "Holdings"},
	"con.forward":            {"正向追踪（去向）", "Forward trace (where it went)"},
	"con.backward":           {"逆向追溯（来源）", "Backward trace (where it came from)"},
	"con.outside":            {"不在本辖区。", "Outside the jurisdiction."},
	"con.viewonly":           {"只读会话", "View-only session"},
	"con.viewonly.lead":      {"您以受托查看人员身份登录：可以查看，不能确认告警或发起任何交易。", "You are signed in as an officer: you may view, not acknowledge alerts or prepare any transaction."},
	"con.signin.key":         {"用监管机构密钥登录", "Sign in with a regulator's key"},
	"con.signin.lead":        {"在保存密钥的机器上运行下面的命令，打开它打印的一次性链接（两分钟内有效）。受托人员加 --delegation 文件。", "Run this where the key is kept and open the one-time link it prints (good for two minutes). An officer adds --delegation FILE."},
	"con.signin.token":       {"运维令牌", "Operator token"},
	"con.daily.commissioned": {"每日赋码数", "Codes commissioned per day"},
	"con.daily.received":     {"每日跨区划流入量", "Received from other divisions per day"},
	"con.bycity":             {"按接收城市", "By receiving city"},
	"con.cityflows":          {"城市间流向", "Flows between cities"},
	"con.total.note":         {"辖区外流入合计", "from outside the jurisdiction"},
	"con.status":             {"状态", "Status"},
	"con.category":           {"类别", "Category"},
	"con.text":               {"描述", "Text"},
	"con.public":             {"公众页面", "Public page"},
	"con.nosearch":           {"无法识别的查询：请输入追溯码、USCC/批次号或 18 位统一社会信用代码。", "Not recognised: give a code, USCC/BATCH or an 18-character USCC."},
	"con.excursions":         {"温度超限次数", "Excursions"},
	"con.events":             {"事件数", "Events"},
	"con.more":               {"更多", "More"},
}

// StepLabel names a CBV business step.
func (l Lang) StepLabel(step string) string {
	if _, ok := messages["step."+step]; ok {
		return l.T("step." + step)
	}
	return step
}

// categoryNames translate the usual product categories (others show as recorded).
var categoryNames = map[string][2]string{
	"frozen": {"冷冻食品", "frozen"}, "chilled": {"冷藏食品", "chilled"},
	"frozen seafood": {"冷冻水产品", "frozen seafood"}, "frozen fish": {"冷冻鱼类", "frozen fish"},
	"frozen meat": {"冷冻肉类", "frozen meat"}, "chilled meat": {"冷鲜肉类", "chilled meat"},
	"frozen poultry": {"冷冻禽肉", "frozen poultry"}, "chilled seafood": {"冷藏水产品", "chilled seafood"},
	"frozen vegetables": {"速冻蔬菜", "frozen vegetables"}, "chilled dairy": {"冷藏乳制品", "chilled dairy"},
}

// Category names a product category.
func (l Lang) Category(c string) string {
	if n, ok := categoryNames[strings.ToLower(c)]; ok {
		if l.EN() {
			return n[1]
		}
		return n[0]
	}
	return c
}

// countryNames are the names of the countries most cold-chain imports come from.
var countryNames = map[string][2]string{
	"CN": {"中国", "China"}, "EC": {"厄瓜多尔", "Ecuador"}, "AR": {"阿根廷", "Argentina"}, "BR": {"巴西", "Brazil"},
	"CL": {"智利", "Chile"}, "PE": {"秘鲁", "Peru"}, "UY": {"乌拉圭", "Uruguay"}, "MX": {"墨西哥", "Mexico"},
	"US": {"美国", "United States"}, "CA": {"加拿大", "Canada"}, "NZ": {"新西兰", "New Zealand"}, "AU": {"澳大利亚", "Australia"},
	"NO": {"挪威", "Norway"}, "RU": {"俄罗斯", "Russia"}, "IS": {"冰岛", "Iceland"}, "DK": {"丹麦", "Denmark"},
	"FR": {"法国", "France"}, "DE": {"德国", "Germany"}, "ES": {"西班牙", "Spain"}, "NL": {"荷兰", "Netherlands"},
	"GB": {"英国", "United Kingdom"}, "IE": {"爱尔兰", "Ireland"}, "PT": {"葡萄牙", "Portugal"}, "IT": {"意大利", "Italy"},
	"TH": {"泰国", "Thailand"}, "VN": {"越南", "Vietnam"}, "IN": {"印度", "India"}, "ID": {"印度尼西亚", "Indonesia"},
	"MY": {"马来西亚", "Malaysia"}, "JP": {"日本", "Japan"}, "KR": {"韩国", "South Korea"}, "SA": {"沙特阿拉伯", "Saudi Arabia"},
	"ZA": {"南非", "South Africa"}, "NA": {"纳米比亚", "Namibia"}, "MA": {"摩洛哥", "Morocco"}, "BY": {"白俄罗斯", "Belarus"},
	"KZ": {"哈萨克斯坦", "Kazakhstan"}, "MN": {"蒙古", "Mongolia"}, "PL": {"波兰", "Poland"}, "BE": {"比利时", "Belgium"},
}

// Country names an ISO 3166-1 alpha-2 code: "厄瓜多尔 (EC)".
func (l Lang) Country(code string) string {
	if code == "" {
		return ""
	}
	if n, ok := countryNames[strings.ToUpper(code)]; ok {
		if l.EN() {
			return n[1] + " (" + code + ")"
		}
		return n[0] + "（" + code + "）"
	}
	return code
}

// provinces are GB/T 2260 province-level divisions by their two digits.
var provinces = map[string][2]string{
	"11": {"北京市", "Beijing"}, "12": {"天津市", "Tianjin"}, "13": {"河北省", "Hebei"}, "14": {"山西省", "Shanxi"},
	"15": {"内蒙古自治区", "Inner Mongolia"}, "21": {"辽宁省", "Liaoning"}, "22": {"吉林省", "Jilin"}, "23": {"黑龙江省", "Heilongjiang"},
	"31": {"上海市", "Shanghai"}, "32": {"江苏省", "Jiangsu"}, "33": {"浙江省", "Zhejiang"}, "34": {"安徽省", "Anhui"},
	"35": {"福建省", "Fujian"}, "36": {"江西省", "Jiangxi"}, "37": {"山东省", "Shandong"}, "41": {"河南省", "Henan"},
	"42": {"湖北省", "Hubei"}, "43": {"湖南省", "Hunan"}, "44": {"广东省", "Guangdong"}, "45": {"广西壮族自治区", "Guangxi"},
	"46": {"海南省", "Hainan"}, "50": {"重庆市", "Chongqing"}, "51": {"四川省", "Sichuan"}, "52": {"贵州省", "Guizhou"},
	"53": {"云南省", "Yunnan"}, "54": {"西藏自治区", "Tibet"}, "61": {"陕西省", "Shaanxi"}, "62": {"甘肃省", "Gansu"},
	"63": {"青海省", "Qinghai"}, "64": {"宁夏回族自治区", "Ningxia"}, "65": {"新疆维吾尔自治区", "Xinjiang"},
	"71": {"台湾省", "Taiwan"}, "81": {"香港特别行政区", "Hong Kong"}, "82": {"澳门特别行政区", "Macao"},
}

// places are the cities and districts a name is known for (the others show
// their province and code).
var places = map[string][2]string{
	"3301": {"杭州市", "Hangzhou"}, "3302": {"宁波市", "Ningbo"}, "3303": {"温州市", "Wenzhou"}, "3304": {"嘉兴市", "Jiaxing"},
	"3305": {"湖州市", "Huzhou"}, "3306": {"绍兴市", "Shaoxing"}, "3307": {"金华市", "Jinhua"}, "3308": {"衢州市", "Quzhou"},
	"3309": {"舟山市", "Zhoushan"}, "3310": {"台州市", "Taizhou"}, "3311": {"丽水市", "Lishui"},
	"330102": {"上城区", "Shangcheng"}, "330105": {"拱墅区", "Gongshu"}, "330106": {"西湖区", "Xihu"},
	"330108": {"滨江区", "Binjiang"}, "330109": {"萧山区", "Xiaoshan"}, "330110": {"余杭区", "Yuhang"},
	"330111": {"富阳区", "Fuyang"}, "330112": {"临安区", "Lin'an"}, "330113": {"临平区", "Linping"}, "330114": {"钱塘区", "Qiantang"},
	"4408": {"湛江市", "Zhanjiang"}, "4401": {"广州市", "Guangzhou"}, "4403": {"深圳市", "Shenzhen"},
	"3201": {"南京市", "Nanjing"}, "3205": {"苏州市", "Suzhou"}, "3702": {"青岛市", "Qingdao"}, "2102": {"大连市", "Dalian"},
}

// Division names a six-digit division: "浙江省杭州市西湖区" or "Xihu, Hangzhou, Zhejiang".
func (l Lang) Division(d string) string {
	if len(d) != 6 {
		return d
	}
	idx := 0
	if l.EN() {
		idx = 1
	}
	var parts []string
	if p, ok := provinces[d[:2]]; ok {
		parts = append(parts, p[idx])
	}
	if d[2:4] != "00" {
		if c, ok := places[d[:4]]; ok && c[idx] != "" {
			parts = append(parts, c[idx])
		}
	}
	if d[4:] != "00" {
		if c, ok := places[d]; ok {
			parts = append(parts, c[idx])
		}
	}
	if len(parts) == 0 {
		return d
	}
	if l.EN() {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		return strings.Join(parts, ", ")
	}
	return strings.Join(parts, "")
}

// PrefixName names a jurisdiction prefix (2, 4 or 6 digits).
func (l Lang) PrefixName(p string) string {
	return l.Division(p + strings.Repeat("0", 6-len(p)))
}

// ChinaTime is the time zone pages show dates in (UTC+8, no DST).
var ChinaTime = time.FixedZone("CST", 8*3600)

// Date formats a time as pages show it, in China's time.
func (l Lang) Date(t time.Time) string { return t.In(ChinaTime).Format("2006-01-02 15:04") }

// Place names a division prefix by its own most specific name ("杭州市",
// "Hangzhou"; a province by the province's), the code when none is known.
func (l Lang) Place(p string) string {
	idx := 0
	if l.EN() {
		idx = 1
	}
	if n, ok := places[p]; ok && len(p) > 2 {
		return n[idx]
	}
	if n, ok := provinces[p]; ok && len(p) == 2 {
		return n[idx]
	}
	if len(p) == 6 && p[4:] == "00" {
		return l.Place(p[:4])
	}
	return p
}
