// Sections 5-8: Worker Treatment, Worker Involvement, Health & Safety (with dormitories, canteens and
// childcare), Termination.
import { date, many, num, one, section, sub, yn } from './dsl.mjs';

const step2 = { step: 2 };

export const treatment = section(5, 'WT', 'Worker Treatment', 1, {}, [
  sub(
    'DSC',
    'Discipline',
    'Contracts & Human Resources',
    {
      law: 'discipline',
      c: 'Dialogue, Discipline and Disputes',
      g: 'Look at the disciplinary records of the past 12 months.',
    },
    [
      yn('Does the facility have written disciplinary rules communicated to all workers?', { vcc: true }),
      yn('Is every disciplinary measure recorded and explained to the worker?'),
      yn('Can workers appeal a disciplinary decision?', { bp: true }),
      yn('Are workers ever locked in, confined or denied toilet breaks as a punishment?', { c: 'Coercion', bp: true }),
      yn('Are workers suspended without pay outside the procedure the law sets?', { vcc: true }),
      yn('Does every supervisor sign a code of conduct on respectful treatment?', step2),
    ]
  ),
  sub(
    'HAR',
    'Harassment and Abuse',
    'Discrimination',
    {
      law: 'harassment',
      c: 'Gender',
      bp: true,
      g: 'Include verbal, physical and sexual harassment by anyone at the workplace.',
    },
    [
      yn('Does the facility have a written policy against harassment, including sexual harassment?', { vcc: true }),
      yn('Have supervisors been trained on the harassment policy in the past 12 months?'),
      yn('Did any worker report harassment or abuse in the past 12 months?', { key: 'harassmentReports' }),
      num('Number of harassment or abuse complaints in the past 12 months', 'complaints', 1, 10000, {
        when: ['harassmentReports', 'equals', true],
      }),
      yn('Was every reported case investigated and closed with a recorded outcome?', {
        when: ['harassmentReports', 'equals', true],
      }),
      yn('Is there an anti-harassment committee with worker members?'),
      yn('Does anyone at the facility use physical punishment or threats of violence?', { c: 'Coercion' }),
      yn('Are workers trained on their rights regarding harassment every year?', step2),
    ]
  ),
  sub(
    'FRM',
    'Freedom of Movement',
    'Forced Labour',
    { law: 'forcedLabour', c: 'Coercion', g: 'Think of every worker, including agency and migrant workers.' },
    [
      yn('Are workers free to leave the premises after their shift?', { vcc: true, bp: true }),
      yn('Are workers free to resign with the notice the law requires?', { vcc: true }),
      yn("Does the facility hold workers' identity documents, certificates or deposits?", { vcc: true }),
      yn('Do security staff restrict access to toilets, drinking water or the exits?', { bp: true }),
      yn('Is any work done by prisoners or by people who cannot refuse it?', { c: 'Prison Labour' }),
      yn('Must workers pay a deposit or bond when they are hired?', { c: 'Bonded Labour', vcc: true }),
      yn('Are security staff given written instructions on freedom of movement?', step2),
    ]
  ),
  sub(
    'NDS',
    'Non-discrimination',
    'Discrimination',
    { law: 'discrimination', c: 'Other Grounds', g: 'Think of pay, promotion, training and dismissal decisions.' },
    [
      yn(
        'Are pay, promotion and training decisions free of discrimination on grounds such as sex, religion, ethnicity or union membership?',
        { bp: true, vcc: true }
      ),
      num('Number of women in supervisory or management positions', 'workers', 0, 100000, { c: 'Gender' }),
      yn('Can workers of every religion practise their religion?', { c: 'Religion and Political Opinion' }),
      yn('Are workers treated differently because of their ethnicity or origin?', { c: 'Race and Origin' }),
      yn('Are workers living with HIV or another illness protected from dismissal and discrimination?'),
      yn('Is there a procedure to adapt work for workers with disabilities?', step2),
    ]
  ),
  sub(
    'GRV',
    'Grievance Mechanisms',
    'Contracts & Human Resources',
    {
      law: 'grievance',
      c: 'Dialogue, Discipline and Disputes',
      bp: true,
      g: 'A grievance mechanism is any way for workers to raise a complaint and get an answer.',
    },
    [
      yn('Does the facility have a grievance mechanism workers can use anonymously?', { vcc: true }),
      many('Which channels can workers use to raise a grievance?', [
        ['suggestionBox', 'Suggestion box'],
        ['hotline', 'Telephone hotline'],
        ['welfareOfficer', 'Welfare officer'],
        ['committee', 'Worker committee'],
        ['union', 'Union representative'],
        ['management', 'Directly to management'],
        ['app', 'Mobile app'],
      ]),
      num('Number of grievances received in the past 12 months', 'grievances', 0, 100000),
      yn('Are workers protected from retaliation when they raise a grievance?'),
      yn('Is the outcome of each grievance recorded and communicated to the worker?'),
      yn('Are workers told about channels outside the facility, such as the labour inspectorate?', { bp: false }),
      yn('Are grievance trends reported to senior management every quarter?', step2),
    ]
  ),
]);

export const involvement = section(6, 'WI', 'Worker Involvement', 1, {}, [
  sub(
    'FOA',
    'Freedom of Association',
    'Freedom of Association and Collective Bargaining',
    { law: 'foa', c: 'Freedom to Associate', bp: true, g: 'About unions at the facility in the past 12 months.' },
    [
      yn('Is there a trade union at the facility?', { key: 'union', vcc: true }),
      num('Number of trade unions at the facility', 'unions', 1, 50, { when: ['union', 'equals', true] }),
      num('Approximate number of union members', 'workers', 0, 100000, { when: ['union', 'equals', true] }),
      yn('Are workers free to form or join a union without interference?', { vcc: true }),
      yn('Has any worker been dismissed, transferred or disadvantaged for union activity in the past 12 months?', {
        c: 'Interference and Discrimination',
        vcc: true,
      }),
      yn('Does management interfere in the election of worker or union representatives?', {
        c: 'Interference and Discrimination',
      }),
      yn('Are union representatives given time off to carry out their duties?', {
        when: ['union', 'equals', true],
        c: 'Union Operations',
      }),
      yn('Does the facility deduct union dues when workers ask it to?', {
        when: ['union', 'equals', true],
        c: 'Union Operations',
      }),
      yn('Does the facility have a written policy recognising freedom of association?', step2),
    ]
  ),
  sub(
    'CBA',
    'Collective Bargaining',
    'Freedom of Association and Collective Bargaining',
    { law: 'cba', c: 'Collective Bargaining', bp: true, g: 'Only where there is a union at the facility.' },
    [
      yn('Is there a collective bargaining agreement in force at the facility?', {
        key: 'cba',
        when: ['union', 'equals', true],
        vcc: true,
      }),
      date('Date the current collective bargaining agreement expires', { when: ['cba', 'equals', true] }),
      yn('Does the facility apply every provision of the collective agreement?', { when: ['cba', 'equals', true] }),
      yn('Is the collective agreement available to every worker?', { when: ['cba', 'equals', true] }),
      yn('Does the facility negotiate in good faith when a union asks to bargain?', {
        when: ['union', 'equals', true],
      }),
    ]
  ),
  sub(
    'COM',
    'Worker Committees',
    'Freedom of Association and Collective Bargaining',
    {
      law: 'dialogue',
      c: 'Freedom to Associate',
      bp: true,
      g: 'Worker–management committees such as the participation committee or the bipartite cooperation body.',
    },
    [
      yn('Is there an elected worker–management committee at the facility?', { key: 'committee', vcc: true }),
      one(
        'How were the worker members of the committee chosen?',
        [
          ['secretBallot', 'Elected by secret ballot'],
          ['showOfHands', 'Elected by show of hands'],
          ['appointed', 'Appointed by management'],
          ['union', 'Nominated by the union'],
        ],
        { when: ['committee', 'equals', true], c: 'Interference and Discrimination' }
      ),
      num('Number of committee meetings in the past 12 months', 'meetings', 0, 365, {
        when: ['committee', 'equals', true],
      }),
      yn('Are the minutes of committee meetings shared with workers?', { when: ['committee', 'equals', true] }),
      yn('Are women represented on the committee in proportion to the workforce?', {
        when: ['committee', 'equals', true],
        c: 'Gender',
      }),
      yn('Did the committee review this self-assessment?', {
        when: ['committee', 'equals', true],
        c: 'Dialogue, Discipline and Disputes',
      }),
      yn('Does management meet worker representatives at least once a month?', step2),
      yn('Have committee members been trained on social dialogue?', step2),
      yn('Does the facility track whether committee decisions are carried out?', step2),
    ]
  ),
  sub(
    'STR',
    'Strikes and Disputes',
    'Freedom of Association and Collective Bargaining',
    { law: 'strikes', c: 'Strikes', bp: true, g: 'About collective disputes in the past 12 months.' },
    [
      yn('Was there a strike, work stoppage or lockout in the past 12 months?', { key: 'strike' }),
      yn('Was any worker dismissed or penalised for taking part in a lawful strike?', {
        when: ['strike', 'equals', true],
        vcc: true,
      }),
      yn('Was the dispute settled through negotiation, conciliation or arbitration?', {
        when: ['strike', 'equals', true],
      }),
      yn('Does the facility have a procedure to settle collective disputes?', {
        c: 'Dialogue, Discipline and Disputes',
      }),
    ]
  ),
]);

export const healthSafety = section(7, 'HS', 'Health & Safety', 1, {}, [
  sub(
    'MGT',
    'OSH Management',
    'Occupational Safety and Health',
    { law: 'oshManagement', c: 'OSH Management Systems', g: 'About how safety is organised at the facility.' },
    [
      yn('Does the facility have a written OSH policy signed by top management?', { vcc: true }),
      yn('Is there a safety committee with worker representatives?', { key: 'safetyCommittee', vcc: true, bp: true }),
      num('Number of safety committee meetings in the past 12 months', 'meetings', 0, 365, {
        when: ['safetyCommittee', 'equals', true],
        bp: true,
      }),
      yn('Has every work area been covered by a documented risk assessment in the past 12 months?', { bp: true }),
      yn('Are work-related accidents and injuries recorded?', { vcc: true }),
      num('Number of work-related injuries causing lost working time in the past 12 months', 'injuries', 0, 100000),
      yn('Are serious accidents reported to the authorities as the law requires?', { vcc: true }),
      yn('Is a named person responsible for OSH?'),
      yn('Do workers receive OSH training when they start and at least once a year?', { bp: true }),
      yn('Does the facility set yearly OSH targets and review them with the safety committee?', {
        ...step2,
        bp: true,
      }),
      yn('Are near misses reported and investigated?', { ...step2, bp: true }),
      yn('Does the facility check the safety of contractors working on site?', step2),
    ]
  ),
  sub(
    'CHM',
    'Chemicals',
    'Occupational Safety and Health',
    {
      law: 'chemicals',
      c: 'Chemicals and Hazardous Substances',
      g: 'Include chemicals used in washing, printing, spot cleaning and maintenance.',
    },
    [
      yn('Does the facility use chemicals in production or maintenance?', { key: 'chemicals' }),
      yn('Is there an up-to-date inventory of all chemicals used?', {
        when: ['chemicals', 'equals', true],
        vcc: true,
      }),
      yn('Are safety data sheets in the local language available where chemicals are used?', {
        when: ['chemicals', 'equals', true],
        vcc: true,
      }),
      yn('Are chemicals stored in labelled containers with spill containment?', {
        when: ['chemicals', 'equals', true],
      }),
      yn('Are workers who handle chemicals trained and given suitable protective equipment?', {
        when: ['chemicals', 'equals', true],
        bp: true,
      }),
      yn('Are eyewash stations or emergency showers available where corrosive chemicals are used?', {
        when: ['chemicals', 'equals', true],
      }),
      yn('Is chemical waste disposed of through a licensed contractor?', { when: ['chemicals', 'equals', true] }),
      yn('Does the facility keep a restricted substances list and check chemicals against it?', {
        ...step2,
        when: ['chemicals', 'equals', true],
      }),
    ]
  ),
  sub(
    'PPE',
    'Machine Safety and Protection',
    'Occupational Safety and Health',
    { law: 'machineSafety', c: 'Worker Protection', g: 'Walk through the production floors and the maintenance area.' },
    [
      yn('Are needle guards, pulley guards and eye guards fitted on sewing machines?', { bp: true }),
      yn('Are cutting workers given metal-mesh gloves?'),
      yn('Is personal protective equipment provided free of charge?', { vcc: true }),
      yn('Are workers trained to use their protective equipment?'),
      yn('Are electrical panels and wiring inspected by a qualified electrician at least once a year?', { vcc: true }),
      yn('Does the facility operate a boiler or other pressure vessel?', { key: 'boiler' }),
      yn('Is every boiler and pressure vessel certified by the competent authority?', {
        when: ['boiler', 'equals', true],
        vcc: true,
      }),
      yn('Are workers who lift heavy loads trained and given lifting aids?'),
      yn('Does the facility assess the ergonomics of workstations?', step2),
    ]
  ),
  sub(
    'ENV',
    'Working Environment',
    'Occupational Safety and Health',
    { law: 'workingEnvironment', c: 'Working Environment', g: 'Think of the hottest months of the past 12 months.' },
    [
      yn('Is the temperature in production areas monitored?'),
      num('Highest temperature recorded in production areas in the past 12 months', '°C', 10, 60, { integer: false }),
      yn('Are noise levels measured in noisy areas?'),
      yn('Is the lighting adequate for the work done?'),
      yn('Do workers who stand to work have seating or anti-fatigue mats?', { bp: true }),
      yn('Is there enough ventilation and dust extraction in production areas?', { bp: true }),
      yn('Does the facility have a heat-stress prevention plan for hot periods?', { since: '1.5.0', bp: true }),
    ]
  ),
  sub(
    'EMR',
    'Emergency Preparedness',
    'Occupational Safety and Health',
    { law: 'emergency', c: 'Emergency Preparedness', g: 'Check every floor of every building.' },
    [
      yn('Are emergency exits unlocked and free of obstruction during working hours?', {
        vcc: true,
        bp: true,
        g: 'Check during working hours, on every floor, including exits to the roof and the stairwells.',
      }),
      yn('Is there more than one exit from every work floor?'),
      yn('Are fire extinguishers and fire alarms inspected and maintained regularly?', { vcc: true }),
      date('Date of the last full evacuation drill', {
        reword: { '1.5.0': 'Date of the most recent full evacuation drill covering all shifts' },
      }),
      num('Number of evacuation drills in the past 12 months', 'drills', 0, 52, { vcc: true }),
      yn('Are fire-fighting teams trained and equipped?'),
      yn('Has a qualified engineer inspected the structural, fire and electrical safety of the buildings?', {
        vcc: true,
      }),
      yn('Are evacuation plans in the local language posted on every floor?'),
      yn('Does the facility hold a valid fire safety licence or certificate?', { vcc: true }),
    ]
  ),
  sub(
    'MED',
    'First Aid and Health',
    'Occupational Safety and Health',
    { law: 'firstAid', c: 'Health Services and First Aid', g: 'Include every shift.' },
    [
      yn('Are stocked first-aid kits available on every floor?', { vcc: true }),
      num('Number of trained first-aiders', 'workers', 0, 10000),
      yn('Is there a medical room or clinic on site?', { key: 'clinic' }),
      yn('Is a doctor or nurse available during all working hours?', { when: ['clinic', 'equals', true] }),
      yn('Do workers exposed to specific hazards get periodic health checks?', { bp: true }),
      yn('Does the facility offer mental health or stress support to workers?', step2),
    ]
  ),
  sub(
    'WEL',
    'Welfare Facilities',
    'Occupational Safety and Health',
    { law: 'welfare', c: 'Welfare Facilities', g: 'Check the facilities workers use during a normal shift.' },
    [
      yn('Is safe drinking water available free of charge near the work areas?', { vcc: true }),
      yn('Are there enough clean toilets, separate for women and men?', { vcc: true, bp: true }),
      yn('Can workers use the toilets whenever they need to?', { bp: true }),
      yn('Is there a place to eat that is separate from the work area?'),
      yn('Are breastfeeding workers given nursing breaks and a private space?', { law: 'maternity' }),
    ]
  ),
  sub(
    'DRM',
    'Dormitories',
    'Occupational Safety and Health',
    {
      law: 'accommodation',
      c: 'Worker Accommodation',
      g: 'Only where the facility provides housing (see Building Structures).',
    },
    [
      num('Number of workers living in housing the facility provides', 'workers', 1, 100000, {
        when: ['dormitory', 'equals', true],
      }),
      yn('Are dormitories separate from production and warehouse buildings?', { when: ['dormitory', 'equals', true] }),
      yn('Do dormitories have fire exits, alarms and extinguishers?', {
        when: ['dormitory', 'equals', true],
        vcc: true,
      }),
      yn('Does each resident have lockable personal storage?', { when: ['dormitory', 'equals', true] }),
      yn('Are residents free to come and go outside working hours?', {
        when: ['dormitory', 'equals', true],
        c: 'Coercion',
        bp: true,
      }),
      yn('Is the cost of housing deducted from wages?', {
        when: ['dormitory', 'equals', true],
        c: 'Wage Information, Use and Deduction',
      }),
      yn('Does each resident have the living space the law or good practice requires?', {
        when: ['dormitory', 'equals', true],
      }),
    ]
  ),
  sub(
    'CNT',
    'Canteen',
    'Occupational Safety and Health',
    { law: 'canteen', c: 'Welfare Facilities', g: 'Only where the facility runs a canteen.' },
    [
      yn('Is the canteen inspected for food hygiene?', { when: ['canteen', 'equals', true] }),
      yn('Do canteen staff hold valid health certificates?', { when: ['canteen', 'equals', true] }),
      one(
        'What do workers pay for a meal in the canteen?',
        [
          ['free', 'Nothing, meals are free'],
          ['subsidised', 'A subsidised price'],
          ['fullPrice', 'The full price'],
        ],
        { when: ['canteen', 'equals', true], removedIn: '1.5.0' }
      ),
    ]
  ),
  sub(
    'CHC',
    'Childcare',
    'Occupational Safety and Health',
    { law: 'childcare', c: 'Welfare Facilities', g: "About care for workers' young children during working hours." },
    [
      num('Number of children using the childcare room', 'children', 0, 10000, {
        when: ['childcare', 'equals', true],
      }),
      yn('Is the childcare room staffed by trained caregivers?', { when: ['childcare', 'equals', true] }),
      yn('Is the childcare room clean, safe and away from hazardous areas?', {
        when: ['childcare', 'equals', true],
      }),
      yn('Does the facility provide another childcare arrangement, such as an allowance or a nearby crèche?', {
        when: ['childcare', 'equals', false],
      }),
    ]
  ),
]);

export const termination = section(8, 'TR', 'Termination', 1, {}, [
  sub(
    'TRM',
    'Termination Procedures',
    'Contracts & Human Resources',
    { law: 'termination', c: 'Termination', g: 'Check the files of workers who left in the past 12 months.' },
    [
      yn('Does the facility have a written termination procedure that follows the law?', { vcc: true }),
      num('Number of workers whose employment ended in the past 12 months', 'workers', 0, 100000),
      yn('Are workers given the notice, or pay in lieu of notice, the law requires?', { vcc: true }),
      yn('Are the reasons for a dismissal given to the worker in writing?'),
      yn('Can workers be heard before a dismissal is decided?', { bp: true }),
      yn('Are workers dismissed for reasons the law prohibits, such as pregnancy, union membership or illness?', {
        bp: true,
        vcc: true,
      }),
    ]
  ),
  sub(
    'SEV',
    'Final Pay and Severance',
    'Contracts & Human Resources',
    { law: 'severance', c: 'Termination', g: 'Recalculate the final pay of a sample of workers who left.' },
    [
      yn('Are final wages paid within the deadline the law sets?', { vcc: true }),
      yn('Is severance or service pay paid as the law requires?', { vcc: true }),
      yn('Are unused leave days paid out when employment ends?', { c: 'Paid Leave' }),
      yn('Do workers get a service certificate when they ask for one?'),
    ]
  ),
  sub(
    'RET',
    'Retrenchment',
    'Contracts & Human Resources',
    { law: 'retrenchment', c: 'Termination', bp: true, g: 'Dismissals for economic or operational reasons.' },
    [
      yn('Did the facility lay off workers for economic reasons in the past 12 months?', { key: 'retrenchment' }),
      num('Number of workers laid off', 'workers', 1, 100000, { when: ['retrenchment', 'equals', true] }),
      yn('Were worker representatives consulted before the lay-offs?', { when: ['retrenchment', 'equals', true] }),
      yn('Were the lay-offs notified to the authorities as the law requires?', {
        when: ['retrenchment', 'equals', true],
        vcc: true,
      }),
      yn('Were objective criteria used to choose the workers laid off?', { when: ['retrenchment', 'equals', true] }),
      yn('Does the facility have a plan to limit the impact of lay-offs, such as redeployment or retraining?', step2),
    ]
  ),
  sub(
    'RSG',
    'Resignation',
    'Contracts & Human Resources',
    { law: 'resignation', c: 'Termination', g: 'Workers who resigned in the past 12 months.' },
    [
      yn('Are workers who resign paid everything they are owed?', { vcc: true }),
      yn('Does the facility refuse or delay resignations?', { c: 'Coercion' }),
      yn('Does the facility hold exit interviews to learn why workers leave?', step2),
      yn('Does the facility analyse worker turnover every month?', step2),
    ]
  ),
]);
