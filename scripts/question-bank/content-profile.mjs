// Section 1, Facility Profile (Step 1). Written for this project: representative of the public structure of
// an SLCP-style self-assessment, not taken from the licensed tool. The seed's subsections (G: E) are here
// with their numbers of questions: Basic Information / Facility 15, Hours of Operation 3, Peak Months 1,
// Assessment Submission 7 (the 26th, FP-BAS-26, the date of submission), Building Structures / Total 1
// and Production 1.
import { date, many, num, one, section, sub, txt, yn } from './dsl.mjs';

const processes = [
  ['cutting', 'Cutting'],
  ['sewing', 'Sewing'],
  ['embroidery', 'Embroidery'],
  ['printing', 'Printing'],
  ['washing', 'Washing'],
  ['dyeing', 'Dyeing'],
  ['knitting', 'Knitting'],
  ['finishing', 'Finishing and ironing'],
  ['packing', 'Packing'],
];

const weekdays = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];

const months = [
  ['jan', 'January'],
  ['feb', 'February'],
  ['mar', 'March'],
  ['apr', 'April'],
  ['may', 'May'],
  ['jun', 'June'],
  ['jul', 'July'],
  ['aug', 'August'],
  ['sep', 'September'],
  ['oct', 'October'],
  ['nov', 'November'],
  ['dec', 'December'],
];

export const facilityProfile = section(1, 'FP', 'Facility Profile', 1, { facilityProfile: true }, [
  sub(
    'BAS',
    'Basic Information',
    'Facility',
    { law: 'profile', g: 'Answer as the facility is registered with the authorities today.' },
    [
      txt('Facility name as shown on the business licence', 200, {
        g: 'Use the exact legal name, including "Ltd." or "PT" where it is part of the name.',
      }),
      txt('Other names the facility is known by (trade names)', 300, {
        g: 'List trade names or former names, separated by commas. Write "None" if there are none.',
      }),
      txt('Street address of the facility', 300, { g: 'The address of the production site, not of a head office.' }),
      txt('City or district', 100),
      txt('Province, division or region', 100),
      txt('Postal code', 20),
      txt('Open Supply Hub (OS Hub) ID of the facility, if it has one', 20, {
        g: 'The ID shown on the facility page at opensupplyhub.org. Write "None" if the facility is not listed.',
      }),
      txt('Business licence or registration number', 60, { g: 'As printed on the licence that is valid today.' }),
      date('Date the facility started operating at this address'),
      one(
        'Ownership of the facility',
        [
          ['domestic', 'Privately owned, domestic'],
          ['foreign', 'Foreign-owned'],
          ['jointVenture', 'Joint venture'],
          ['state', 'State-owned'],
        ],
        { g: 'Choose the owner of the majority of the shares.' }
      ),
      yn('Is the facility located in an export processing zone or industrial park?', {
        key: 'epz',
        g: 'Answer "Yes" for EPZs, special economic zones and bonded industrial estates.',
      }),
      txt('Name of the export processing zone or industrial park', 200, { when: ['epz', 'equals', true] }),
      txt('Name of the legal representative of the facility', 150),
      txt('Main telephone number of the facility', 30, { g: 'With the country code, e.g. +880 2 7791 1200.' }),
      txt('Main email address of the facility', 254),
    ]
  ),
  sub(
    'BAS',
    'Basic Information',
    'Hours of Operation',
    { law: 'hours', g: 'Describe a normal week outside peak months.' },
    [
      num('Number of shifts the facility runs on a normal working day', 'shifts', 1, 4),
      txt('Start and end time of each shift', 200, { g: 'For example "Shift A 08:00-17:00, Shift B 17:00-01:00".' }),
      many('Weekly rest day(s) of the facility', weekdays, { g: 'The days on which production normally stops.' }),
    ]
  ),
  sub('BAS', 'Basic Information', 'Peak Months', { law: 'hours', g: 'Based on the past 12 months.' }, [
    many('In which months of the year is production at its peak?', months, {
      g: 'The months with the highest order volumes and overtime in the past 12 months.',
    }),
  ]),
  sub(
    'BAS',
    'Basic Information',
    'Assessment Submission',
    { law: 'profile', g: 'About who completed this self-assessment and the period it covers.' },
    [
      txt('Name of the person submitting the self-assessment', 150),
      txt('Job title of the person submitting the self-assessment', 150),
      txt('Email address of the person submitting the self-assessment', 254),
      yn('Did worker representatives take part in completing the self-assessment?', {
        key: 'workersInvolved',
        bp: true,
        g: 'Better Work encourages the bipartite committee to complete the self-assessment together (G: E).',
      }),
      one(
        'How were worker representatives involved?',
        [
          ['jointReview', 'The bipartite committee reviewed all questions jointly'],
          ['selectedSections', 'They were consulted on selected sections'],
          ['informed', 'They were informed of the answers only'],
        ],
        { when: ['workersInvolved', 'equals', true], bp: true }
      ),
      date('First day of the 12-month period the self-assessment covers', {
        g: 'Self-assessments use data from the previous 12 months.',
      }),
      date('Date of self-assessment submission', {
        g: 'The day the self-assessment is submitted; the platform records it when you submit.',
      }),
    ]
  ),
  sub(
    'BLD',
    'Building Structures',
    'Total',
    { law: 'buildings', g: 'Buildings on the site on the day of submission.' },
    [
      num('Total number of buildings on the facility site', 'buildings', 1, 200, {
        g: 'Count every building on the site, including warehouses, dormitories and utility buildings.',
      }),
    ]
  ),
  sub(
    'BLD',
    'Building Structures',
    'Production',
    { law: 'buildings', g: 'Buildings on the site on the day of submission.' },
    [
      num('Number of buildings used for production', 'buildings', 0, 200, {
        g: 'Buildings where cutting, sewing, finishing or any other production step takes place.',
      }),
    ]
  ),
  sub(
    'BLD',
    'Building Structures',
    'Dormitories',
    { law: 'accommodation', g: 'Housing for workers, on or off the site.' },
    [
      yn('Does the facility provide dormitories or other housing for workers?', {
        key: 'dormitory',
        g: 'Include housing the facility rents for workers outside the site.',
      }),
      num('Number of dormitory buildings', 'buildings', 1, 100, { when: ['dormitory', 'equals', true] }),
    ]
  ),
  sub(
    'BLD',
    'Building Structures',
    'Welfare Buildings',
    { law: 'welfare', g: 'Facilities run by the facility itself or by a contractor on its behalf.' },
    [
      yn('Does the facility run a canteen for workers?', { key: 'canteen' }),
      yn('Does the facility run a childcare room or crèche?', { key: 'childcare' }),
      yn('Are any buildings on the site shared with other businesses?', {
        g: 'For example a multi-storey building where other factories occupy some floors.',
        law: 'buildings',
      }),
    ]
  ),
  sub(
    'WRK',
    'Worker Demographics',
    'Workforce',
    { law: 'workforce', g: 'Give the numbers on the day of submission, from the payroll and the agency lists.' },
    [
      num('Total number of workers at the facility', 'workers', 1, 100000, { key: 'totalWorkers' }),
      num('Number of female workers', 'workers', 0, 100000),
      num('Number of male workers', 'workers', 0, 100000),
      num('Number of production workers', 'workers', 0, 100000),
      num('Number of workers employed through labour agencies or contractors', 'workers', 0, 100000, {
        key: 'agencyWorkers',
      }),
      num('Number of workers on fixed-term contracts', 'workers', 0, 100000),
      num('Number of workers with disabilities', 'workers', 0, 100000),
    ]
  ),
  sub(
    'WRK',
    'Worker Demographics',
    'Young Workers',
    { law: 'youngWorkers', g: 'From the age documents in the personnel files.' },
    [
      yn('Does the facility employ workers under 18 years of age?', {
        key: 'under18',
        g: 'Count every worker under 18 on the day of submission, whatever their contract.',
      }),
      num('Number of workers under 18', 'workers', 1, 10000, { when: ['under18', 'equals', true] }),
      num('Age of the youngest worker currently employed', 'years', 12, 17, {
        when: ['under18', 'equals', true],
        g: 'From the age documents in the personnel files.',
      }),
    ]
  ),
  sub(
    'WRK',
    'Worker Demographics',
    'Migrant Workers',
    { law: 'migrants', g: 'Give the numbers on the day of submission.' },
    [
      yn('Does the facility employ migrant workers?', {
        key: 'migrants',
        g: 'Migrant workers are workers from another country, or from another province who moved for this job.',
      }),
      num('Number of foreign migrant workers', 'workers', 0, 100000, { when: ['migrants', 'equals', true] }),
      num('Number of domestic migrant workers', 'workers', 0, 100000, { when: ['migrants', 'equals', true] }),
      txt('Countries of origin of foreign migrant workers', 300, {
        when: ['migrants', 'equals', true],
        g: 'Write "None" if all migrant workers come from within the country.',
      }),
    ]
  ),
  sub(
    'WRK',
    'Worker Demographics',
    'Homeworkers',
    { law: 'workforce', g: 'Include homeworkers engaged through intermediaries.' },
    [
      yn('Does the facility give work to homeworkers?', {
        key: 'homeworkers',
        g: 'Homeworkers do paid work for the facility in their own homes (e.g. hand embroidery, thread cutting).',
      }),
      num('Number of homeworkers in the past 12 months', 'workers', 1, 100000, {
        when: ['homeworkers', 'equals', true],
      }),
    ]
  ),
  sub(
    'PRD',
    'Production',
    'Products and Processes',
    { law: 'profile', g: 'Describe production in the past 12 months.' },
    [
      many('Main products', [
        ['knitTops', 'Knitted tops and T-shirts'],
        ['wovenShirts', 'Woven shirts and blouses'],
        ['bottoms', 'Trousers, jeans and skirts'],
        ['outerwear', 'Jackets and outerwear'],
        ['intimates', 'Lingerie and underwear'],
        ['sportswear', 'Sportswear'],
        ['childrenswear', "Children's wear"],
        ['accessories', 'Accessories'],
        ['other', 'Other'],
      ]),
      many('Production processes carried out on site', processes),
      num('Annual production capacity', 'pieces', 0, 1000000000),
      num('Share of production exported', 'percent', 0, 100, { integer: false }),
      num('Number of buyers the facility produced for in the past 12 months', 'buyers', 0, 1000),
      txt('Names of the main buyers', 500, {
        g: 'The brands or retailers with the largest order volumes.',
        removedIn: '1.5.0',
      }),
    ]
  ),
  sub(
    'SUB',
    'Subcontracting',
    'Subcontractors',
    { law: 'subcontracting', g: 'Any other business that carries out part of the production for the facility.' },
    [
      yn('Does the facility subcontract any part of its production?', {
        key: 'subcontracting',
        g: 'Include processes sent out, such as printing, embroidery or washing.',
      }),
      num('Number of subcontractors used in the past 12 months', 'subcontractors', 1, 1000, {
        when: ['subcontracting', 'equals', true],
      }),
      many('Which processes are subcontracted?', processes, {
        key: 'subcontractedProcesses',
        when: ['subcontracting', 'equals', true],
      }),
      yn('Does every subcontractor that washes or dyes garments hold a valid environmental clearance?', {
        when: ['subcontractedProcesses', 'includes', 'washing'],
        g: 'Ask each washing or dyeing subcontractor for a copy of its clearance.',
      }),
      yn('Does the facility tell its buyers which subcontractors it uses?', {
        when: ['subcontracting', 'equals', true],
      }),
    ]
  ),
  sub(
    'CRT',
    'Certifications',
    'Audits and Licences',
    { law: 'profile', g: 'Certificates and audits valid in the past 12 months.' },
    [
      many('Social or safety certifications and audit programmes the facility took part in during the past 12 months', [
        ['amforiBsci', 'amfori BSCI'],
        ['sa8000', 'SA8000'],
        ['wrap', 'WRAP'],
        ['smeta', 'SMETA'],
        ['iso45001', 'ISO 45001'],
        ['iso14001', 'ISO 14001'],
        ['higgFem', 'Higg FEM'],
        ['none', 'None'],
      ]),
      date('Date of the most recent social audit', { g: 'Any social audit by a buyer, an auditor or Better Work.' }),
      yn('Does the facility hold every operating licence the local authorities require?', {
        g: 'For example the factory licence, trade licence, fire licence and environmental clearance.',
      }),
    ]
  ),
]);
