// Package export writes what the chain knows about codes in the formats
// regulators and trading partners read: a GS1 EPCIS 2.0 JSON-LD document
// (EPCIS), the FDA FSMA 204 electronic sortable spreadsheet (FSMA), and an
// operator's goods-received ledger (进货查验记录, GatherLedger).
//
// Usage: gather a History per code (its record, batch, history events with
// their hashes — EventHash computes one — and the enterprises and
// consignments they name), then
//
//	doc, err := export.EPCIS(hs, export.Options{ChainID: chainID, Created: blockTime})
//	err = export.FSMA(hs, export.Options{ChainID: chainID}, w)
//
// Both outputs are deterministic: the same histories and options give the
// same bytes. An event held by several histories (a shipment of two codes)
// is exported once, keyed by its hash.
//
// # Identifiers
//
// Codes are written as GS1 Digital Link URIs on Options.DigitalLinkBase
// (native codes as {base}/c/CT-...); classes of quantities as canonical
// Digital Link URIs of a GTIN and lot (https://id.gs1.org/01/{GTIN}/10/{lot}),
// or {base}/lot/{USCC}/{batch} for a native batch without a GTIN. Parties
// are {base}/party/{USCC}, {base}/party/regulator/{division} and
// {base}/party/customs; an enterprise's premises {base}/location/{USCC}
// (the chain holds no GLN); consignments {base}/consignment/{hex id};
// sensors {base}/device/{device id}. Hashes of off-chain documents and raw
// sensor data are RFC 6920 URIs ni:///sha-256;{hex}. An EPCIS eventID is
// the event's CBV 2.0 EPCIS Event Hash ID (EventHashID), computed from the
// event as exported; ct:chainEventHash is the hash it is stored under on
// chain.
//
// # EPCIS
//
// The document uses the standard context plus the ct: prefix
// (ExtensionNamespace) for every field the standard lacks. Times are block
// times in UTC with eventTimeZoneOffset +08:00, China's; events are in
// chain order (block time, then hash). An enterprise acts at its premises,
// the readPoint and, except for goods in transit (shipments, sensor
// readings of a consignment), the bizLocation. A regulator or customs is a
// party, not a place: ct:authority names it and the event has no readPoint.
// docs/EXPORTS.md has the table of how each chain message maps; a test
// checks it against this package.
//
// Every event carries ct:message, the chain message it records, which
// tells apart the events that share a CBV step. Choices where CBV has no
// exact term:
//
//   - release: CBV 2.0 has no releasing step. A release records that a
//     supervision warehouse checked the certificates and tests the goods
//     need (the "four must-nots") and found them complete; the goods do not
//     move, so departing or staging_outbound would misstate it. It is written
//     as an inspection with the disposition conformant.
//   - unhold: a regulator lifting a hold has reviewed the goods and found
//     them fit to move again: inspecting, conformant.
//   - recall: CBV has no recalling step; the goods are segregated under the
//     holding step with the disposition recalled.
//   - warehouse_entry: goods entered into a supervision warehouse may not be
//     sold until released: non_sellable_other.
//   - sell of kind consumed (a restaurant's use) stays retail_selling /
//     retail_sold, with ct:saleKind "consumed".
//   - destroy: the witness regulator is ct:witness, the holder ct:holder;
//     the readPoint is the holder's premises.
//
// What each event names: a whole instance (one piece of a serialised item
// or logistic unit, or all of a serialised or native code as commissioned)
// goes in an EPC list; any other quantity is a quantity of the code's class
// (kilograms, uom KGM, for weighed goods; a count for pieces), summed per
// class. A code whose unit no history reveals is named in the EPC list with
// its quantity left out rather than guessed. Events about codes as a whole
// (sensor reports, warehouse entry, release, tests, holds, recalls) list
// every code the chain applied them to in epcList; a batch-level test, hold
// or recall also names the batch's class, without a quantity.
//
// Commissioning carries the batch facts as ILMD: cbvmda:lotNumber (the
// batch), cbvmda:countryOfOrigin and cbvmda:itemExpirationDate (recorded, or
// production date plus shelf life) are CBV 2.0 master data attributes; the
// rest (product name, category, production date, supplier, certificates,
// customs declaration, nucleic-acid test, storage temperature range, net
// grams per piece, HS code) are ct: fields. The EPCs a commissioning or a
// split creates carry their quantities in ct:codeQuantities ({epc,
// quantity, uom}), which EPCIS has no place for and a capture needs. Shipping and receiving name the consignment as a desadv
// business transaction and the sender and buyer as owning_party and
// location sources and destinations. A split is a TransformationEvent from the parent (the total
// quantity split off) to the children. An unpacking lists the children
// with their quantities when the histories show every packing of the unit;
// otherwise it leaves the lists out, which in EPCIS means everything in the
// unit (the chain always empties it). A sensor report is a
// sensorElementList with one gs1:Temperature report: minValue and maxValue
// in degrees Celsius with two decimals (uom CEL) computed from the
// centi-degrees without floating point, the reading window as startTime
// and endTime, the device and the raw data hash, and exception
// ALARM_CONDITION when the chain found an excursion. A test's report hash is
// a testres business transaction.
//
// A correction is written the EPCIS way: a copy of the corrected event
// (same type, fields, eventTime and eventID) with an errorDeclaration
// (declarationTime = the correction's block time, reason did_not_occur or
// incorrect_data, correctiveEventIDs). The correction's own chain hash,
// author and note are ct:declarationChainEventHash, ct:declaredBy and
// ct:correctionNote; every corrective event's chain hash is in
// ct:correctiveChainEventHashes. It takes its place in chain order at the
// time it was declared.
//
// # Capture
//
// Capturer maps a captured EPCIS event back to the chain message that
// records it, the inverse of the EPCIS export: ReadDocument reads a
// document, Capturer.Map an event. A field the mapping does not read makes
// the event a Refusal, never a silent loss; NormaliseEvent writes an event
// in CBV 2.0 canonical form so that a captured event and the same event
// queried back compare equal. docs/EPCIS.md has the table.
//
// # FSMA 204
//
// The spreadsheet has one row per critical tracking event (21 CFR
// 1.1325-1.1350) and traceability lot, for the codes whose histories are
// given, dated in China's time. The traceability lot code is the code's GS1
// element string ("(01)09521234543213(10)B1(21)0001"), or the bare native
// code ("CT-{USCC}-{n}-{check}"). Rows are sorted by lot code, then time.
//
// A commissioning is First Land-Based Receiving for the batches
// Options.FishingVesselBatches names (the chain does not record how food
// was produced), Receiving from the supplier for other food of a foreign
// origin, and Initial Packing otherwise. Shipments and sales to a business
// buyer are Shipping, receipts Receiving, splits Transformation (a row for
// the parent and for each new lot). Location descriptions name the
// enterprise, its USCC and the divisions of its registration. Each row
// names, in its own column, the key data elements the rule asks that the
// chain does not hold. docs/EXPORTS.md has the tables; tests check them.
//
// Not critical tracking events, and so not in the spreadsheet: retail sales
// and consumption, packing and unpacking (logistic units, no new lot),
// sensor reports, warehouse entry, release, tests, holds, recalls and
// destruction; corrections appear only in the Correction column of the row
// they correct.
//
// # Goods-received ledger
//
// GatherLedger builds an operator's ledger from candidate consignment ids
// (the CLI finds them in the node's tx index, which proves nothing) and a
// LedgerReader whose every answer is verified: a candidate the chain does
// not hold or that names another buyer is dismissed; for each consignment
// received within the days asked (China's), one row per code with what the
// consignment, the code's record, its batch and the sender's registration
// say. WriteLedgerCSV writes UTF-8 with a byte order mark for Excel,
// WriteLedgerPDF A4 pages in the label package's embedded CJK font; both
// state the chain id, height and app hash the rows were verified at.
package export
