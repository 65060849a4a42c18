package label

// FontTTF is the embedded label font (Noto Sans SC, subset; see
// textfont.go), for other PDF writers that print Chinese text: the
// goods-received ledger of the export package sets its rows in it.
func FontTTF() []byte { return labelFontTTF }

// FontFamily is the family name LabelsPDF registers FontTTF under.
const FontFamily = labelFontFamily

// PrintableText prepares text for FontTTF as labels do: control and format
// characters dropped, white space folded, and a character the font lacks
// replaced by Missing.
func PrintableText(s string) string { return printableName(s) }
