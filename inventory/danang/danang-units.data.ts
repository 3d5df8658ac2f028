/**
 * Da Nang's administrative units as the metro network knew them (2013–2021): the City People's
 * Committee, 32 departments and boards, 8 districts, 31 other city units, and 56 wards and
 * communes under the districts. Coordinates are the districts' centres; ward and unit sites
 * are placed around them by the generator.
 */
export interface UnitData {
  id: string;
  vi: string;
  en: string;
}

export interface DistrictData extends UnitData {
  lat: number;
  lon: number;
  coastal: boolean;
  wards: [id: string, vi: string][];
}

export const CITY_OFFICE: UnitData = { id: "ubnd", vi: "Ủy ban Nhân dân thành phố Đà Nẵng", en: "Da Nang City People's Committee" };

export const DEPARTMENTS: UnitData[] = [
  { id: "so-noi-vu", vi: "Sở Nội vụ", en: "Department of Home Affairs" },
  { id: "so-tu-phap", vi: "Sở Tư pháp", en: "Department of Justice" },
  { id: "so-khdt", vi: "Sở Kế hoạch và Đầu tư", en: "Department of Planning and Investment" },
  { id: "so-tai-chinh", vi: "Sở Tài chính", en: "Department of Finance" },
  { id: "so-cong-thuong", vi: "Sở Công Thương", en: "Department of Industry and Trade" },
  { id: "so-nnptnt", vi: "Sở Nông nghiệp và Phát triển nông thôn", en: "Department of Agriculture and Rural Development" },
  { id: "so-gtvt", vi: "Sở Giao thông vận tải", en: "Department of Transport" },
  { id: "so-xay-dung", vi: "Sở Xây dựng", en: "Department of Construction" },
  { id: "so-tnmt", vi: "Sở Tài nguyên và Môi trường", en: "Department of Natural Resources and Environment" },
  { id: "so-tttt", vi: "Sở Thông tin và Truyền thông", en: "Department of Information and Communications" },
  { id: "so-ldtbxh", vi: "Sở Lao động - Thương binh và Xã hội", en: "Department of Labour, Invalids and Social Affairs" },
  { id: "so-vhtt", vi: "Sở Văn hóa và Thể thao", en: "Department of Culture and Sports" },
  { id: "so-du-lich", vi: "Sở Du lịch", en: "Department of Tourism" },
  { id: "so-khcn", vi: "Sở Khoa học và Công nghệ", en: "Department of Science and Technology" },
  { id: "so-gddt", vi: "Sở Giáo dục và Đào tạo", en: "Department of Education and Training" },
  { id: "so-y-te", vi: "Sở Y tế", en: "Department of Health" },
  { id: "so-ngoai-vu", vi: "Sở Ngoại vụ", en: "Department of Foreign Affairs" },
  { id: "thanh-tra", vi: "Thanh tra thành phố", en: "City Inspectorate" },
  { id: "vp-hdnd", vi: "Văn phòng Hội đồng Nhân dân thành phố", en: "Office of the City People's Council" },
  { id: "vp-ubnd", vi: "Văn phòng Ủy ban Nhân dân thành phố", en: "Office of the City People's Committee" },
  { id: "bql-kcn", vi: "Ban Quản lý các Khu công nghiệp và Chế xuất", en: "Industrial and Export Processing Zones Authority" },
  { id: "bql-khu-cnc", vi: "Ban Quản lý Khu công nghệ cao", en: "Hi-Tech Park Authority" },
  { id: "bql-da-dan-dung", vi: "Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng và công nghiệp", en: "Civil and Industrial Works Project Board" },
  { id: "bql-da-giao-thong", vi: "Ban Quản lý dự án đầu tư xây dựng các công trình giao thông", en: "Transport Works Project Board" },
  { id: "ban-xttdt", vi: "Ban Xúc tiến và Hỗ trợ đầu tư", en: "Investment Promotion and Support Board" },
  { id: "bql-son-tra", vi: "Ban Quản lý bán đảo Sơn Trà và các bãi biển du lịch", en: "Son Tra Peninsula and Beaches Management Board" },
  { id: "cong-an", vi: "Công an thành phố", en: "City Police" },
  { id: "bchqs", vi: "Bộ Chỉ huy Quân sự thành phố", en: "City Military Command" },
  { id: "cuc-thue", vi: "Cục Thuế thành phố", en: "City Tax Department" },
  { id: "cuc-hai-quan", vi: "Cục Hải quan thành phố", en: "City Customs Department" },
  { id: "kho-bac", vi: "Kho bạc Nhà nước Đà Nẵng", en: "Da Nang State Treasury" },
  { id: "bhxh", vi: "Bảo hiểm Xã hội thành phố", en: "City Social Insurance" },
];

export const AGENCIES: UnitData[] = [
  { id: "dtic", vi: "Trung tâm Phát triển hạ tầng Công nghệ thông tin", en: "ICT Infrastructure Development Centre" },
  { id: "tt-dich-vu-cong", vi: "Trung tâm Thông tin dịch vụ công", en: "Public Service Information Centre" },
  { id: "tt-dao-tao-cntt", vi: "Trung tâm Đào tạo và Nghiên cứu Công nghệ thông tin", en: "ICT Training and Research Centre" },
  { id: "tt-hanh-chinh", vi: "Trung tâm Hành chính thành phố", en: "City Administrative Centre" },
  { id: "ioc", vi: "Trung tâm Giám sát điều hành đô thị thông minh", en: "Smart City Operations Centre" },
  { id: "bv-da-nang", vi: "Bệnh viện Đà Nẵng", en: "Da Nang Hospital" },
  { id: "bv-san-nhi", vi: "Bệnh viện Phụ sản - Nhi", en: "Obstetrics and Paediatrics Hospital" },
  { id: "bv-ung-buou", vi: "Bệnh viện Ung bướu", en: "Oncology Hospital" },
  { id: "bv-mat", vi: "Bệnh viện Mắt", en: "Eye Hospital" },
  { id: "bv-phoi", vi: "Bệnh viện Phổi", en: "Lung Hospital" },
  { id: "bv-tam-than", vi: "Bệnh viện Tâm thần", en: "Psychiatric Hospital" },
  { id: "bv-yhct", vi: "Bệnh viện Y học cổ truyền", en: "Traditional Medicine Hospital" },
  { id: "cdc", vi: "Trung tâm Kiểm soát bệnh tật", en: "Centre for Disease Control" },
  { id: "cap-cuu-115", vi: "Trung tâm Cấp cứu 115", en: "115 Emergency Centre" },
  { id: "tt-xt-du-lich", vi: "Trung tâm Xúc tiến Du lịch", en: "Tourism Promotion Centre" },
  { id: "vp-dang-ky-dat", vi: "Văn phòng Đăng ký đất đai", en: "Land Registration Office" },
  { id: "tt-quy-dat", vi: "Trung tâm Phát triển quỹ đất", en: "Land Fund Development Centre" },
  { id: "tt-quan-trac", vi: "Trung tâm Quan trắc tài nguyên và môi trường", en: "Environmental Monitoring Centre" },
  { id: "thu-vien", vi: "Thư viện Khoa học Tổng hợp", en: "General Science Library" },
  { id: "bao-tang", vi: "Bảo tàng Đà Nẵng", en: "Da Nang Museum" },
  { id: "tt-viec-lam", vi: "Trung tâm Dịch vụ việc làm", en: "Employment Service Centre" },
  { id: "tt-ha-tang-gt", vi: "Trung tâm Quản lý hạ tầng giao thông", en: "Transport Infrastructure Management Centre" },
  { id: "tt-gtcc", vi: "Trung tâm Quản lý giao thông công cộng", en: "Public Transport Management Centre" },
  { id: "thoat-nuoc", vi: "Công ty Thoát nước và Xử lý nước thải", en: "Drainage and Wastewater Company" },
  { id: "chieu-sang", vi: "Công ty Quản lý chiếu sáng đô thị", en: "Urban Lighting Company" },
  { id: "cap-nuoc", vi: "Công ty Cấp nước Đà Nẵng", en: "Da Nang Water Supply Company" },
  { id: "luu-tru", vi: "Trung tâm Lưu trữ lịch sử", en: "Historical Archives Centre" },
  { id: "tro-giup-phap-ly", vi: "Trung tâm Trợ giúp pháp lý", en: "Legal Aid Centre" },
  { id: "vuon-uom", vi: "Vườn ươm doanh nghiệp", en: "Business Incubator" },
  { id: "dai-pttt", vi: "Đài Phát thanh - Truyền hình Đà Nẵng", en: "Da Nang Radio and Television" },
  { id: "quy-dtpt", vi: "Quỹ Đầu tư phát triển", en: "Development Investment Fund" },
];

export const DISTRICTS: DistrictData[] = [
  { id: "hai-chau", vi: "Quận Hải Châu", en: "Hai Chau District", lat: 16.0472, lon: 108.2199, coastal: false, wards: [
    ["thach-thang", "Thạch Thang"], ["hai-chau-1", "Hải Châu I"], ["hai-chau-2", "Hải Châu II"], ["phuoc-ninh", "Phước Ninh"],
    ["hoa-thuan-tay", "Hòa Thuận Tây"], ["hoa-thuan-dong", "Hòa Thuận Đông"], ["nam-duong", "Nam Dương"], ["binh-hien", "Bình Hiên"],
    ["binh-thuan", "Bình Thuận"], ["hoa-cuong-bac", "Hòa Cường Bắc"], ["hoa-cuong-nam", "Hòa Cường Nam"], ["thuan-phuoc", "Thuận Phước"],
    ["thanh-binh", "Thanh Bình"],
  ] },
  { id: "thanh-khe", vi: "Quận Thanh Khê", en: "Thanh Khe District", lat: 16.064, lon: 108.187, coastal: true, wards: [
    ["tam-thuan", "Tam Thuận"], ["thanh-khe-tay", "Thanh Khê Tây"], ["thanh-khe-dong", "Thanh Khê Đông"], ["xuan-ha", "Xuân Hà"],
    ["tan-chinh", "Tân Chính"], ["chinh-gian", "Chính Gián"], ["vinh-trung", "Vĩnh Trung"], ["thac-gian", "Thạc Gián"],
    ["an-khe", "An Khê"], ["hoa-khe", "Hòa Khê"],
  ] },
  { id: "son-tra", vi: "Quận Sơn Trà", en: "Son Tra District", lat: 16.087, lon: 108.241, coastal: true, wards: [
    ["tho-quang", "Thọ Quang"], ["nai-hien-dong", "Nại Hiên Đông"], ["man-thai", "Mân Thái"], ["an-hai-bac", "An Hải Bắc"],
    ["phuoc-my", "Phước Mỹ"], ["an-hai-tay", "An Hải Tây"], ["an-hai-dong", "An Hải Đông"],
  ] },
  { id: "ngu-hanh-son", vi: "Quận Ngũ Hành Sơn", en: "Ngu Hanh Son District", lat: 16.0, lon: 108.255, coastal: true, wards: [
    ["my-an", "Mỹ An"], ["khue-my", "Khuê Mỹ"], ["hoa-quy", "Hòa Quý"], ["hoa-hai", "Hòa Hải"],
  ] },
  { id: "lien-chieu", vi: "Quận Liên Chiểu", en: "Lien Chieu District", lat: 16.074, lon: 108.149, coastal: true, wards: [
    ["hoa-hiep-bac", "Hòa Hiệp Bắc"], ["hoa-hiep-nam", "Hòa Hiệp Nam"], ["hoa-khanh-bac", "Hòa Khánh Bắc"], ["hoa-khanh-nam", "Hòa Khánh Nam"],
    ["hoa-minh", "Hòa Minh"],
  ] },
  { id: "cam-le", vi: "Quận Cẩm Lệ", en: "Cam Le District", lat: 16.015, lon: 108.195, coastal: false, wards: [
    ["khue-trung", "Khuê Trung"], ["hoa-phat", "Hòa Phát"], ["hoa-an", "Hòa An"], ["hoa-tho-tay", "Hòa Thọ Tây"],
    ["hoa-tho-dong", "Hòa Thọ Đông"], ["hoa-xuan", "Hòa Xuân"],
  ] },
  { id: "hoa-vang", vi: "Huyện Hòa Vang", en: "Hoa Vang Rural District", lat: 15.98, lon: 108.07, coastal: false, wards: [
    ["hoa-bac", "Hòa Bắc"], ["hoa-lien", "Hòa Liên"], ["hoa-ninh", "Hòa Ninh"], ["hoa-son", "Hòa Sơn"], ["hoa-nhon", "Hòa Nhơn"],
    ["hoa-phu", "Hòa Phú"], ["hoa-phong", "Hòa Phong"], ["hoa-chau", "Hòa Châu"], ["hoa-tien", "Hòa Tiến"], ["hoa-phuoc", "Hòa Phước"],
    ["hoa-khuong", "Hòa Khương"],
  ] },
  // The Hoàng Sa district office sits on the mainland, in Sơn Trà; it has no wards.
  { id: "hoang-sa", vi: "Huyện Hoàng Sa", en: "Hoang Sa District", lat: 16.0763, lon: 108.2339, coastal: true, wards: [] },
];
