// Canonicalisation corpus: inputs and the output of `xmllint --exc-c14n` / `xmllint --c14n` (libxml2
// 2.9.14; both keep comments, so compare with the with-comments variant) captured byte for byte.
// test/interop/xmldsig-xmlsec1.test.ts re-runs xmllint on the same inputs.
export interface C14nCase {
  name: string;
  xml: string;
  /** xmllint --exc-c14n */
  exc: string;
  /** xmllint --c14n */
  inc: string;
}

export const C14N_CORPUS: C14nCase[] = [
  {
    name: '01 namespaces used/unused/redeclared, attribute order, escapes, CDATA, PIs, comments, non-ASCII',
    xml: '<?xml version="1.0" encoding="UTF-8"?>\n<?pi-before   some data ?>\n<!-- comment before -->\n<r:root xmlns:r="urn:r" xmlns:unused="urn:unused" xmlns="urn:default" b="2" a="1" r:z="3" xmlns:a="urn:a" a:c="x">\n  <child>text &amp; &lt; &gt; &#13; &#9; "quotes" \'apos\'</child>\n  <child xmlns="">no ns</child>\n  <r:deep><x:y xmlns:x="urn:x" xmlns:r="urn:r2" r:q="1"/></r:deep>\n  <e attr="a&#9;b&#10;c&#13;d &lt; &amp; &quot; \'"/>\n  <![CDATA[ <cdata> & ]]> ]]&gt;\n  <?pi-inside x?>\n  <!-- inside comment -->\n  <inner xmlns="urn:default"><inner2 xmlns="urn:other"><z xmlns=""/></inner2></inner>\n  <b:bb xmlns:b="urn:b" xmlns:c="urn:c"><c:cc b:at="1" c:at="2" at="0" xml:lang="en"/></b:bb>\n  <sp   a = "1"   />\n  &#x1F600; é ü\n</r:root>\n<!-- after -->\n<?pi-after?>\n',
    exc: '<?pi-before some data ?>\n<!-- comment before -->\n<r:root xmlns:a="urn:a" xmlns:r="urn:r" a="1" b="2" a:c="x" r:z="3">\n  <child xmlns="urn:default">text &amp; &lt; &gt; &#xD; \t "quotes" \'apos\'</child>\n  <child>no ns</child>\n  <r:deep><x:y xmlns:r="urn:r2" xmlns:x="urn:x" r:q="1"></x:y></r:deep>\n  <e xmlns="urn:default" attr="a&#x9;b&#xA;c&#xD;d &lt; &amp; &quot; \'"></e>\n   &lt;cdata&gt; &amp;  ]]&gt;\n  <?pi-inside x?>\n  <!-- inside comment -->\n  <inner xmlns="urn:default"><inner2 xmlns="urn:other"><z xmlns=""></z></inner2></inner>\n  <b:bb xmlns:b="urn:b"><c:cc xmlns:c="urn:c" at="0" xml:lang="en" b:at="1" c:at="2"></c:cc></b:bb>\n  <sp xmlns="urn:default" a="1"></sp>\n  😀 é ü\n</r:root>\n<!-- after -->\n<?pi-after?>',
    inc: '<?pi-before some data ?>\n<!-- comment before -->\n<r:root xmlns="urn:default" xmlns:a="urn:a" xmlns:r="urn:r" xmlns:unused="urn:unused" a="1" b="2" a:c="x" r:z="3">\n  <child>text &amp; &lt; &gt; &#xD; \t "quotes" \'apos\'</child>\n  <child xmlns="">no ns</child>\n  <r:deep><x:y xmlns:r="urn:r2" xmlns:x="urn:x" r:q="1"></x:y></r:deep>\n  <e attr="a&#x9;b&#xA;c&#xD;d &lt; &amp; &quot; \'"></e>\n   &lt;cdata&gt; &amp;  ]]&gt;\n  <?pi-inside x?>\n  <!-- inside comment -->\n  <inner><inner2 xmlns="urn:other"><z xmlns=""></z></inner2></inner>\n  <b:bb xmlns:b="urn:b" xmlns:c="urn:c"><c:cc at="0" xml:lang="en" b:at="1" c:at="2"></c:cc></b:bb>\n  <sp a="1"></sp>\n  😀 é ü\n</r:root>\n<!-- after -->\n<?pi-after?>',
  },
  {
    name: '02 default namespace and xmlns=""',
    xml: '<root><a xmlns="urn:a"><b xmlns=""><c xmlns="urn:a"/></b></a><d xmlns="">x</d></root>\n',
    exc: '<root><a xmlns="urn:a"><b xmlns=""><c xmlns="urn:a"></c></b></a><d>x</d></root>',
    inc: '<root><a xmlns="urn:a"><b xmlns=""><c xmlns="urn:a"></c></b></a><d>x</d></root>',
  },
  {
    name: '03 CRLF and CR line ends, prefixed attributes',
    xml: '<root xmlns:p="urn:p">\r\n<p:a  p:x="1" y="2">line1\r\nline2\rline3</p:a>\r\n</root>',
    exc: '<root>\n<p:a xmlns:p="urn:p" y="2" p:x="1">line1\nline2\nline3</p:a>\n</root>',
    inc: '<root xmlns:p="urn:p">\n<p:a y="2" p:x="1">line1\nline2\nline3</p:a>\n</root>',
  },
  {
    name: '04 two prefixes for one URI, redeclared prefix',
    xml: '<a:r xmlns:a="urn:1" xmlns:b="urn:1"><b:s a:x="1" b:y="2"/><a:t xmlns:a="urn:2"/><s2 xmlns="urn:1" xmlns:x="urn:1" x:a="1"/></a:r>\n',
    exc: '<a:r xmlns:a="urn:1"><b:s xmlns:b="urn:1" a:x="1" b:y="2"></b:s><a:t xmlns:a="urn:2"></a:t><s2 xmlns="urn:1" xmlns:x="urn:1" x:a="1"></s2></a:r>',
    inc: '<a:r xmlns:a="urn:1" xmlns:b="urn:1"><b:s a:x="1" b:y="2"></b:s><a:t xmlns:a="urn:2"></a:t><s2 xmlns="urn:1" xmlns:x="urn:1" x:a="1"></s2></a:r>',
  },
  {
    name: '05 xml: attributes, xsi, char refs in attributes',
    xml: '<doc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd"><a xml:lang="en" xml:space="preserve">  spaced  </a><b attr="&#x20;&#xA0;&#x9;"/></doc>\n',
    exc: '<doc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd"><a xml:lang="en" xml:space="preserve">  spaced  </a><b attr="  &#x9;"></b></doc>',
    inc: '<doc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd"><a xml:lang="en" xml:space="preserve">  spaced  </a><b attr="  &#x9;"></b></doc>',
  },
  {
    name: '06 PIs and comments outside the root, self-closing root',
    xml: '<?xml version="1.0"?>\n<!-- only comments and PIs around -->\n<?a?><?b  c ?>\n<root/>\n<?z end?>\n<!-- trailing -->\n',
    exc: '<!-- only comments and PIs around -->\n<?a?>\n<?b c ?>\n<root></root>\n<?z end?>\n<!-- trailing -->',
    inc: '<!-- only comments and PIs around -->\n<?a?>\n<?b c ?>\n<root></root>\n<?z end?>\n<!-- trailing -->',
  },
  {
    name: '07 nested prefixes, redundant declarations',
    xml: '<p:root xmlns:p="urn:p" xmlns:q="urn:q"><p:a q:x="1" p:y="2" z="3"><q:b><p:c xmlns:p="urn:p"/></q:b></p:a><x xmlns="urn:d"><y xmlns="urn:d"><z xmlns=""><w xmlns=""/></z></y></x></p:root>\n',
    exc: '<p:root xmlns:p="urn:p"><p:a xmlns:q="urn:q" z="3" p:y="2" q:x="1"><q:b><p:c></p:c></q:b></p:a><x xmlns="urn:d"><y><z xmlns=""><w></w></z></y></x></p:root>',
    inc: '<p:root xmlns:p="urn:p" xmlns:q="urn:q"><p:a z="3" p:y="2" q:x="1"><q:b><p:c></p:c></q:b></p:a><x xmlns="urn:d"><y><z xmlns=""><w></w></z></y></x></p:root>',
  },
  {
    name: '08 tabs, CR/LF/TAB char refs, predefined entities',
    xml: '<r>\n\t<a>tab\there</a>\n  <b>&#xD;&#xA;&#x9;</b>\n  <c>&gt;&lt;&amp;&apos;&quot;</c>\n  <d v="&apos;&gt;x"/>\n</r>\n',
    exc: '<r>\n\t<a>tab\there</a>\n  <b>&#xD;\n\t</b>\n  <c>&gt;&lt;&amp;\'"</c>\n  <d v="\'>x"></d>\n</r>',
    inc: '<r>\n\t<a>tab\there</a>\n  <b>&#xD;\n\t</b>\n  <c>&gt;&lt;&amp;\'"</c>\n  <d v="\'>x"></d>\n</r>',
  },
  {
    name: '09 default and prefixed declarations of one URI',
    xml: '<r xmlns="urn:a" xmlns:a="urn:a"><a:x a:attr="v"/><x/><a:y xmlns="urn:b"><z/></a:y></r>\n',
    exc: '<r xmlns="urn:a"><a:x xmlns:a="urn:a" a:attr="v"></a:x><x></x><a:y xmlns:a="urn:a"><z xmlns="urn:b"></z></a:y></r>',
    inc: '<r xmlns="urn:a" xmlns:a="urn:a"><a:x a:attr="v"></a:x><x></x><a:y xmlns="urn:b"><z></z></a:y></r>',
  },
  {
    name: '10 CDATA sections',
    xml: '<r><![CDATA[line1\nline2 & <tag> ]]><e><![CDATA[]]></e><f>mixed <![CDATA[c]]> text</f></r>\n',
    exc: '<r>line1\nline2 &amp; &lt;tag&gt; <e></e><f>mixed c text</f></r>',
    inc: '<r>line1\nline2 &amp; &lt;tag&gt; <e></e><f>mixed c text</f></r>',
  },
];
