// Section 9, Management Systems (Step 2), and section 10, Above & Beyond (Step 3).
import { date, many, num, one, pct, section, sub, yn } from './dsl.mjs';

export const managementSystems = section(9, 'MS', 'Management Systems', 2, {}, [
  sub(
    'POL',
    'Policies',
    'Commitment',
    { law: 'managementSystems', g: 'Written commitments that cover the topics of this self-assessment.' },
    [
      yn('Does the facility have a written social compliance policy covering every area of this self-assessment?'),
      yn('Is the policy signed by the top manager?'),
      yn('Is the policy communicated to workers in a language they understand?', { bp: true }),
      yn('Is the policy reviewed at least once a year?'),
      yn('Is the policy shared with subcontractors and suppliers?'),
      date('Date of the last policy review'),
    ]
  ),
  sub(
    'RSP',
    'Roles and Responsibilities',
    'Organisation',
    { law: 'managementSystems', g: 'Who is responsible for working conditions, and how they are held to account.' },
    [
      yn('Is a manager responsible for social compliance?'),
      yn('Does this manager report directly to the top manager?'),
      num('Number of staff working on compliance and human resources', 'workers', 0, 10000),
      yn('Are compliance responsibilities written into job descriptions?'),
      yn("Are compliance objectives part of managers' performance reviews?"),
    ]
  ),
  sub(
    'RSK',
    'Risk Assessment',
    'Organisation',
    { law: 'managementSystems', g: 'How the facility finds and prioritises its labour risks.' },
    [
      yn('Does the facility assess its labour and human rights risks at least once a year?'),
      yn('Are workers or their representatives consulted in the risk assessment?', { bp: true }),
      yn('Is every risk found addressed in an action plan with owners and deadlines?'),
      yn('Does the facility review legal changes that affect its obligations?', { key: 'legalReview' }),
      many(
        'Which sources does the facility use to follow legal changes?',
        [
          ['labourDepartment', 'Notices of the labour authorities'],
          ['employerAssociation', 'Employer association'],
          ['counsel', 'Legal counsel'],
          ['buyers', 'Buyers'],
          ['betterWork', 'Better Work advisory services'],
        ],
        { when: ['legalReview', 'equals', true] }
      ),
      date('Date of the last risk assessment'),
    ]
  ),
  sub('TRN', 'Training', 'Capacity', { law: 'managementSystems', g: 'Training given in the past 12 months.' }, [
    yn('Do all new workers receive an induction on their rights and the workplace rules?'),
    num('Average hours of training per worker in the past 12 months', 'hours', 0, 500, { integer: false }),
    yn('Are supervisors trained in communication and people management?', { bp: true }),
    yn('Are training records kept?'),
    yn('Is the effectiveness of training evaluated?'),
    many('Which topics did worker training cover in the past 12 months?', [
      ['osh', 'Occupational safety and health'],
      ['fire', 'Fire safety'],
      ['harassment', 'Harassment prevention'],
      ['grievance', 'Grievance mechanisms'],
      ['wages', 'Wages and benefits'],
      ['leave', 'Leave and holidays'],
      ['association', 'Freedom of association'],
    ]),
  ]),
  sub(
    'DOC',
    'Records Management',
    'Documentation',
    { law: 'managementSystems', g: 'Personnel, time and wage records.' },
    [
      yn('Is there a personnel file for every worker?'),
      yn('Are records kept for at least the period the law requires?'),
      yn("Are workers' personal data protected from unauthorised access?"),
      yn('Are wage and time records kept electronically?', { removedIn: '1.5.0' }),
      yn('Can workers get a copy of their personnel file when they ask?', { bp: true }),
    ]
  ),
  sub(
    'SUP',
    'Supply Chain',
    'Responsible Sourcing',
    { law: 'subcontracting', g: 'Subcontractors, homeworkers and suppliers of materials.' },
    [
      yn('Does the facility have a code of conduct for its suppliers and subcontractors?'),
      yn('Does the facility assess the working conditions at its subcontractors?', {
        when: ['subcontracting', 'equals', true],
      }),
      yn('Must subcontractors disclose any homeworkers they use?', { when: ['subcontracting', 'equals', true] }),
      num('Number of suppliers assessed in the past 12 months', 'suppliers', 0, 10000),
      yn('Does the facility know where its main raw materials come from?'),
      yn('Does the facility give its own suppliers fair lead times and payment terms?'),
    ]
  ),
  sub(
    'GRM',
    'Grievance Management',
    'Dialogue',
    { law: 'grievance', bp: true, g: 'How grievances are handled as a system, beyond single cases.' },
    [
      yn('Is there a written grievance procedure with a time limit for each step?'),
      yn('Does senior management review grievance data?'),
      yn('Does the facility measure how satisfied workers are with the grievance mechanism?'),
      num('Average number of days to close a grievance', 'days', 0, 365, { integer: false }),
      yn('Can workers take a grievance to someone outside their line management?'),
    ]
  ),
  sub(
    'IMP',
    'Continuous Improvement',
    'Organisation',
    { law: 'managementSystems', g: 'How findings from audits and assessments are followed up.' },
    [
      yn('Does the facility have an improvement plan based on assessment findings?'),
      yn('Is the improvement plan reviewed with worker representatives?', { bp: true }),
      pct('Share of improvement plan actions completed on time in the past 12 months'),
      yn('Are the root causes of repeated non-compliance analysed?'),
      yn('Does the facility carry out internal audits of working conditions?', { key: 'internalAudits' }),
      one(
        'How often are internal audits carried out?',
        [
          ['monthly', 'Every month'],
          ['quarterly', 'Every quarter'],
          ['halfYearly', 'Twice a year'],
          ['yearly', 'Once a year'],
        ],
        { when: ['internalAudits', 'equals', true] }
      ),
    ]
  ),
  sub(
    'CMM',
    'Communication with Workers',
    'Dialogue',
    { law: 'dialogue', bp: true, g: 'How management informs and listens to workers.' },
    [
      yn("Are notices of workers' rights posted in the local language?", { bp: false }),
      many('Which channels does management use to inform workers?', [
        ['noticeBoard', 'Notice boards'],
        ['meetings', 'Meetings'],
        ['sms', 'Text messages or an app'],
        ['publicAddress', 'Public address system'],
        ['committee', 'Worker committee'],
      ]),
      yn('Are workers told the results of social audits and assessments?'),
      yn('Are workers told about changes to working conditions before they take effect?'),
      yn('Does management hold regular meetings with all workers?'),
    ]
  ),
  sub(
    'ETH',
    'Business Ethics',
    'Integrity',
    { law: 'managementSystems', g: 'Honesty towards workers, authorities, buyers and assessors.' },
    [
      yn('Does the facility have an anti-bribery policy?'),
      yn('Are gifts to labour inspectors, auditors or assessors prohibited?'),
      yn('Are complete and accurate records given to auditors and assessors?'),
      yn('Is there a confidential channel to report ethics concerns?'),
      yn(
        'Does the facility carry out human rights due diligence in line with the OECD guidance for the garment sector?',
        { since: '1.5.0' }
      ),
    ]
  ),
]);

export const aboveAndBeyond = section(10, 'AB', 'Above & Beyond', 3, {}, [
  sub(
    'WBE',
    'Worker Well-being',
    'Well-being',
    { law: 'beyond', g: 'Programmes that go further than the law requires.' },
    [
      yn('Does the facility run health programmes beyond the law, such as nutrition or health checks?'),
      yn('Does the facility offer financial literacy training?'),
      yn('Does the facility offer counselling or mental health support?'),
      yn('Does the facility provide transport for workers?'),
      yn('Does the facility support a savings or cooperative scheme for workers?'),
      num('Number of workers who took part in well-being programmes in the past 12 months', 'workers', 0, 100000),
    ]
  ),
  sub(
    'GEN',
    'Gender Equality',
    'Equality',
    { law: 'discrimination', g: 'Measures for equality between women and men.' },
    [
      yn('Does the facility have a gender equality policy with targets?'),
      yn('Does the facility run a programme to promote women into supervisory roles?'),
      pct('Share of supervisors who are women'),
      yn('Does the facility offer paid paternity leave beyond the law?'),
      yn('Does the facility provide menstrual health products or support?'),
      yn('Has the facility measured its gender pay gap in the past 12 months?'),
    ]
  ),
  sub(
    'SKL',
    'Skills Development',
    'Development',
    { law: 'beyond', g: 'Learning and career opportunities for workers.' },
    [
      yn('Does the facility offer vocational training beyond what the job requires?'),
      yn("Does the facility support workers' further education, such as scholarships or literacy classes?"),
      num('Number of workers promoted in the past 12 months', 'workers', 0, 100000),
      yn('Is there a career path for production workers?'),
      yn('Are workers trained in more than one skill?'),
    ]
  ),
  sub(
    'LWG',
    'Wages beyond the Minimum',
    'Equality',
    { law: 'minimumWage', g: 'Steps towards wages that meet the needs of workers and their families.' },
    [
      yn('Does the facility have a plan to move towards a living wage?', { key: 'livingWagePlan' }),
      one(
        'Which living wage benchmark does the plan use?',
        [
          ['anker', 'Anker methodology estimate'],
          ['asiaFloorWage', 'Asia Floor Wage'],
          ['negotiated', 'An estimate agreed with worker representatives'],
          ['other', 'Another benchmark'],
        ],
        { when: ['livingWagePlan', 'equals', true] }
      ),
      num(
        'Average monthly take-home pay of a production worker without overtime, in local currency',
        'local currency',
        0,
        undefined,
        { integer: false }
      ),
      yn('Are attendance and productivity bonuses paid on transparent rules?'),
      yn('Have wages above the minimum been negotiated with worker representatives?', { bp: true }),
    ]
  ),
  sub(
    'COM',
    'Community Engagement',
    'Community',
    { law: 'beyond', g: 'Relations with the neighbouring communities.' },
    [
      yn('Does the facility support community programmes such as education, health or water?'),
      yn('Does the facility consult neighbouring communities about its impact?'),
      yn('Does the facility hire from local communities and vulnerable groups?'),
      num(
        'Amount spent on community programmes in the past 12 months, in local currency',
        'local currency',
        0,
        undefined,
        {
          integer: false,
          removedIn: '1.5.0',
        }
      ),
      yn('Does the facility publish a social or sustainability report?'),
    ]
  ),
  sub(
    'ENV',
    'Environmental Responsibility',
    'Community',
    { law: 'beyond', g: "Environmental practices that affect workers' health and the community." },
    [
      yn('Does the facility measure its energy use?'),
      yn('Does the facility have targets to reduce its water use?'),
      yn('Does the facility have a plan to protect workers during extreme weather?', { bp: true }),
      yn('Are workers trained on the environmental practices of the facility?'),
      yn('Does the facility measure its greenhouse gas emissions?', { since: '1.5.0' }),
    ]
  ),
  sub(
    'INC',
    'Inclusion',
    'Equality',
    { law: 'discrimination', g: 'Opening employment to people who often face barriers.' },
    [
      yn('Does the facility have a programme to hire persons with disabilities?'),
      yn('Are workstations adapted for workers with disabilities?'),
      yn('Does the facility offer language classes to migrant workers?', { when: ['migrants', 'equals', true] }),
      yn('Does the facility have a policy against discrimination based on sexual orientation or gender identity?'),
    ]
  ),
  sub(
    'DIA',
    'Social Dialogue',
    'Dialogue',
    { law: 'dialogue', bp: true, g: 'Dialogue between workers and management beyond what the law requires.' },
    [
      yn('Is there a joint worker–management programme on productivity and quality?'),
      yn('Do worker representatives take part in setting production targets?'),
      yn('Is the facility covered by a sector-level agreement with unions?'),
      yn('Does management share order forecasts with worker representatives?'),
    ]
  ),
]);
