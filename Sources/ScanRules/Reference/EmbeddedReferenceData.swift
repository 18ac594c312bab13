/// The reference data compiled into the binary: `shared/data/scenarios.csv` and
/// `shared/data/districts.csv` as of spec v1. A file given at start replaces them
/// (see ``ReferenceData``).
package enum EmbeddedReferenceData {
    /// `scenarios.csv`: `id,number,name_zh,name_en,owner_zh,due`, 20 rows.
    package static let scenariosCSV = #"""
id,number,name_zh,name_en,owner_zh,due
internet_cafe,1,网吧扫码登记上网,Internet cafe sign-in,市公安局,2023-08
hotel_checkin,2,扫码住店,Hotel check-in,市公安局,2023-09
cultural_venue,3,文化场馆服务,Cultural venue reservation and entry,市文化旅游委,2023-09
transit,4,"""一码通乘""服务",One-code public transit,市交通局,2023-10
payment,5,金融支付服务,Payments (incl. e-CNY and vouchers),人行重庆营管部,2023-10
bank,6,银行展码与扫码应用,Bank queueing and authorisation,重庆银保监局,2023-10
housing_fund,7,公积金业务,Housing provident fund,市住房城乡建设委,2023-10
park_access,8,园区扫码通行,Industrial park gate access,各区县政府,2023-11
pharmacy,9,医保购药,Medical-insurance pharmacy purchase,市医保局,2023-11
scenic_entry,10,旅游景点入园,Scenic spot entry (annual pass),市文化旅游委,2023-12
agri_policy,11,惠民惠农政策发布,Rural policy publication,市乡村振兴局,2023-12
community_access,12,社区门禁通行,Residential community gate access,市住房城乡建设委,2023-12
nontax_payment,13,非税扫码缴纳,Non-tax revenue payment,市财政局,2023-12
subsidy,14,财政奖补资金发放,Fiscal subsidy application and disbursement,市财政局,2023-12
campus,15,教育身份管理,Campus identity (gates and libraries),市教委,2023-12
service_hall,16,政务服务大厅扫码办事,Government service hall,各区县政府,2023-12
utilities,17,水电气查询缴费,"Water, power and gas bills",市经济信息委,2024-01
traffic_fine,18,交通罚款缴纳,Traffic fine payment,市交通局,2024-02
tax,19,税费缴纳,Personal tax payment,重庆市税务局,2024-03
hospital,20,就医住院服务,Hospital visits and admission,市医保局,2024-03
"""#

    /// `districts.csv`: `code,name_zh,name_en,region,weight`, 41 rows.
    package static let districtsCSV = #"""
code,name_zh,name_en,region,weight
500101,万州区,Wanzhou,northeast,156
500102,涪陵区,Fuling,main_new,112
500103,渝中区,Yuzhong,central,59
500104,大渡口区,Dadukou,central,42
500105,江北区,Jiangbei,central,93
500106,沙坪坝区,Shapingba,central,148
500107,九龙坡区,Jiulongpo,central,153
500108,南岸区,Nan'an,central,120
500109,北碚区,Beibei,central,83
500110,綦江区,Qijiang,main_new,75
500111,大足区,Dazu,yuxi,84
500112,渝北区,Yubei,central,219
500113,巴南区,Banan,central,118
500114,黔江区,Qianjiang,southeast,49
500115,长寿区,Changshou,main_new,69
500116,江津区,Jiangjin,yuxi,136
500117,合川区,Hechuan,yuxi,125
500118,永川区,Yongchuan,yuxi,115
500119,南川区,Nanchuan,main_new,57
500120,璧山区,Bishan,yuxi,76
500151,铜梁区,Tongliang,yuxi,69
500152,潼南区,Tongnan,yuxi,69
500153,荣昌区,Rongchang,yuxi,67
500154,开州区,Kaizhou,northeast,120
500155,梁平区,Liangping,northeast,65
500156,武隆区,Wulong,southeast,36
500229,城口县,Chengkou,northeast,20
500230,丰都县,Fengdu,northeast,56
500231,垫江县,Dianjiang,northeast,65
500233,忠县,Zhongxian,northeast,72
500235,云阳县,Yunyang,northeast,93
500236,奉节县,Fengjie,northeast,75
500237,巫山县,Wushan,northeast,46
500238,巫溪县,Wuxi,northeast,39
500240,石柱土家族自治县,Shizhu,southeast,39
500241,秀山土家族苗族自治县,Xiushan,southeast,49
500242,酉阳土家族苗族自治县,Youyang,southeast,61
500243,彭水苗族土家族自治县,Pengshui,southeast,49
500190,两江新区,Liangjiang New Area,central,50
500191,西部科学城重庆高新区,Chongqing High-tech Zone,central,30
500192,万盛经开区,Wansheng Economic Development Zone,main_new,26
"""#
}
