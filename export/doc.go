// Package export writes what the chain knows about codes in the formats
// regulators and trading partners read: a GS1 EPCIS 2.0 JSON-LD document
// (EPCIS) and the FDA FSMA 204 electronic sortable spreadsheet (FSMA).
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
// (native codes as {base}/c/CT-...). Parties are
// urn:coldtrace:{chain}:enterprise:{USCC}, urn:coldtrace:{chain}:regulator:{division}
// and urn:coldtrace:{chain}:customs; consignments
// urn:coldtrace:{chain}:consignment:{hex id}; sensors
// urn:coldtrace:{chain}:device:{device id}. Hashes of off-chain documents and
// raw sensor data are RFC 6920 URIs ni:///sha-256;{hex}. An EPCIS eventID is
// ni:///sha-256;{hex of the chain event hash}?ver=CBV2.0, so it never
// changes between exports.
//
// # EPCIS
//
// The document uses the standard context plus {"ct": "urn:coldtrace:epcis:"}
// for every field the standard lacks. Times are block times in UTC
// (eventTimeZoneOffset "+00:00"); events are in chain order (block time,
// then hash). The acting party is the readPoint, and the bizLocation too
// when it is an enterprise, except for goods in transit (shipments, sensor
// readings of a consignment); a regulator or customs is only the readPoint.
// Each chain message maps to:
//
//	message          chain bizStep      EPCIS event (action)        bizStep           disposition
//	commission       commissioning      ObjectEvent (ADD) + ilmd    commissioning     active
//	dispatch         shipping           ObjectEvent (OBSERVE)       shipping          in_transit
//	receive          receiving          ObjectEvent (OBSERVE)       receiving         in_progress
//	sell             retail_selling     ObjectEvent (OBSERVE)       retail_selling    retail_sold
//	split            repackaging        TransformationEvent         repackaging       active
//	aggregate        packing            AggregationEvent (ADD)      packing           in_progress
//	disaggregate     unpacking          AggregationEvent (DELETE)   unpacking         -
//	sensor_report    sensor_reporting   ObjectEvent (OBSERVE)       sensor_reporting  -
//	correct          error_declaration  the corrected event repeated, with errorDeclaration
//	warehouse_entry  storing            ObjectEvent (OBSERVE)       storing           non_sellable_other
//	release          releasing          ObjectEvent (OBSERVE)       inspecting        conformant
//	record_test      inspecting         ObjectEvent (OBSERVE)       inspecting        conformant (negative), non_conformant (positive)
//	record_test      sampling           ObjectEvent (OBSERVE)       sampling          conformant (negative), non_conformant (positive)
//	hold             holding            ObjectEvent (OBSERVE)       holding           non_conformant
//	unhold           holding            ObjectEvent (OBSERVE)       inspecting        conformant
//	recall           recalling          ObjectEvent (OBSERVE)       holding           recalled
//	destroy          destroying         ObjectEvent (DELETE)        destroying        destroyed
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
//   - destroy: the witness regulator is ct:witness; the readPoint is the
//     holder whose goods were destroyed.
//
// What each event names: a quantity of a code goes in a quantity list
// (epcClass = its Digital Link, uom GRM for grams, none for pieces), except
// one piece of an instance-level code (an SSCC, a native code or a GTIN with
// a serial number), which goes in an EPC list. A code whose unit no history
// reveals is named in the EPC list with its quantity left out rather than
// guessed. Events about codes as a whole (sensor reports, warehouse entry,
// release, tests, holds, recalls) list every code the chain applied them to
// in epcList.
//
// Commissioning carries the batch facts as ILMD: cbvmda:lotNumber (the
// batch), cbvmda:countryOfOrigin and cbvmda:itemExpirationDate (recorded, or
// production date plus shelf life) are CBV 2.0 master data attributes; the
// rest (product name, category, production date, supplier, certificates,
// customs declaration, nucleic-acid test, storage temperature range) are
// ct: fields. Shipping and receiving name the consignment as a desadv
// business transaction and the sender and buyer as owning_party source and
// destination. A split is a TransformationEvent from the parent (the total
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
// incorrect_data, correctiveEventIDs). The correction's own hash, author and
// note are ct:declarationEventID, ct:declaredBy and ct:correctionNote. It
// takes its place in chain order at the time it was declared.
//
// # FSMA 204
//
// The spreadsheet has one row per critical tracking event and
// traceability lot, for the codes whose histories are given. The
// traceability lot code is the code's GS1 element string
// ("(01)09521234543213(10)B1(21)0001"), or the bare native code
// ("CT-{USCC}-{n}-{check}"). Rows are sorted by lot code, then time.
//
//	message      CTE type
//	commission   Initial Packing; First Land-Based Receiving when the origin country is not CN (imported goods)
//	dispatch     Shipping
//	receive      Receiving (codes received in full or in part; a code left out of the receipt has no row)
//	split        Transformation, a row for the parent (the quantity used) and for each new lot
//
// Location descriptions are "Name (USCC)". Shipping rows name the ship-from
// and ship-to enterprises, receiving rows the sender as ship-from and
// immediate previous source, commissioning rows the supplier as immediate
// previous source. The traceability lot code source is the enterprise that
// commissioned the code or split it off its parent. Reference documents are
// the consignment id and delivery note (shipping, receiving) and the customs
// declaration (commissioning). A code moved inside a logistic unit gets the
// unit's shipments and receipts, with the quantity packed when the
// histories show it. An event later declared erroneous keeps its row (the
// chain keeps it too); the Correction column says so.
//
// Not critical tracking events, and so not in the spreadsheet: retail sales
// and consumption (sales to consumers are outside FSMA 204), packing and
// unpacking (logistic units, no new lot), sensor reports, warehouse entry,
// release, tests, holds, recalls and destruction; corrections appear only
// in the Correction column of the row they correct.
package export
